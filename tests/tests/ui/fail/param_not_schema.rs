use mcp_kit::prelude::*;

struct Point {
    x: i64,
}

#[tool]
async fn plain(point: Point) -> i64 {
    point.x
}

/// With two parameters, the `Args<T>` check names the type too: still one error.
#[tool]
fn scaled(scale: i64, point: Point) -> i64 {
    point.x * scale
}

fn main() {
    let _ = plain(Point { x: 1 });
    let _ = scaled(2, Point { x: 1 });
}
