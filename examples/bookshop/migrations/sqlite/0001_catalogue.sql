CREATE TABLE authors (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL UNIQUE,
    country TEXT
);

CREATE TABLE books (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    title     TEXT NOT NULL,
    isbn      TEXT NOT NULL UNIQUE,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    year      INTEGER NOT NULL CHECK (year BETWEEN 1400 AND 2100),
    price     REAL NOT NULL CHECK (price >= 0),
    in_stock  BOOLEAN NOT NULL DEFAULT TRUE,
    -- RFC 3339, as sqlx writes a DateTime<Utc>, so that comparisons order as time does.
    added_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
);
CREATE INDEX books_year ON books (year, id);
CREATE INDEX books_title ON books (title, id);
CREATE INDEX books_price ON books (price, id);

-- Each reader's own shelf: the tools show a reader only their rows.
CREATE TABLE shelf (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    owner   TEXT NOT NULL,
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    status  TEXT NOT NULL DEFAULT 'to-read' CHECK (status IN ('to-read', 'reading', 'done')),
    note    TEXT,
    finished_on TEXT,
    UNIQUE (owner, book_id)
);
CREATE INDEX shelf_owner ON shelf (owner, id);
