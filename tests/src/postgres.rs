//! A PostgreSQL server of a test's own: a fresh cluster in a temporary directory, on a free
//! loopback port, stopped and removed when dropped.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Process, free_port};

pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    server: Option<Process>,
    dir: PathBuf,
    port: u16,
    /// The user the server runs as, when not this process's.
    uid: Option<u32>,
}

impl Postgres {
    /// Starts a cluster. As root, it runs as the `postgres` user, which refuses to run as root.
    ///
    /// # Panics
    /// When PostgreSQL is not installed (`apt-get install postgresql`; `scripts/test` does it).
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir =
            std::env::temp_dir().join(format!("mcp-kit-pg-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("create the cluster's directory");
        let uid = if is_root() {
            let uid = postgres_uid();
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(status.success(), "chown of {} failed", dir.display());
            Some(uid)
        } else {
            None
        };
        let data = dir.join("data");
        let status = as_user(Command::new(bin.join("initdb")), uid)
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("run initdb");
        assert!(status.success(), "initdb failed");
        let port = free_port();
        let mut postgres = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            server: None,
            dir,
            port,
            uid,
        };
        postgres.launch();
        postgres
    }

    /// Stops the server and starts it again, on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        let bin = bin_dir();
        let server = as_user(Command::new(bin.join("postgres")), self.uid)
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(&self.dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        self.server = Some(Process(server));
        // Ready when pg_isready says it accepts connections, not merely when the port listens.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !accepts(&bin, self.port) {
            assert!(Instant::now() < deadline, "postgres did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server, as an outage would; the data stays until drop.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            // SIGINT is PostgreSQL's fast shutdown: backends end with the postmaster.
            let _ = Command::new("kill")
                .args(["-INT", &server.0.id().to_string()])
                .status();
            let _ = server.0.wait();
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn accepts(bin: &Path, port: u16) -> bool {
    Command::new(bin.join("pg_isready"))
        .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// The newest `/usr/lib/postgresql/*/bin`, or what `pg_config --bindir` says.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    versions.pop().or_else(pg_config_bindir).expect(
        "PostgreSQL is not installed: `apt-get install postgresql` (scripts/test installs it)",
    )
}

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bin = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    bin.join("initdb").exists().then_some(bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn postgres_uid() -> u32 {
    let output = Command::new("id")
        .args(["-u", "postgres"])
        .output()
        .expect("id -u postgres");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a `postgres` user, which the Debian package creates")
}

fn as_user(mut command: Command, uid: Option<u32>) -> Command {
    if let Some(uid) = uid {
        command.uid(uid).env("HOME", "/tmp");
    }
    command
}
