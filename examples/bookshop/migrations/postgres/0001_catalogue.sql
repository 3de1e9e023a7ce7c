CREATE TABLE authors (
    id      BIGSERIAL PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    country TEXT
);

CREATE TABLE books (
    id        BIGSERIAL PRIMARY KEY,
    title     TEXT NOT NULL,
    isbn      TEXT NOT NULL UNIQUE,
    author_id BIGINT NOT NULL REFERENCES authors (id),
    year      INTEGER NOT NULL CHECK (year BETWEEN 1400 AND 2100),
    price     DOUBLE PRECISION NOT NULL CHECK (price >= 0),
    in_stock  BOOLEAN NOT NULL DEFAULT TRUE,
    added_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX books_year ON books (year, id);
CREATE INDEX books_title ON books (title, id);
CREATE INDEX books_price ON books (price, id);

-- Each reader's own shelf: the tools show a reader only their rows.
CREATE TABLE shelf (
    id      BIGSERIAL PRIMARY KEY,
    owner   TEXT NOT NULL,
    book_id BIGINT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    status  TEXT NOT NULL DEFAULT 'to-read' CHECK (status IN ('to-read', 'reading', 'done')),
    note    TEXT,
    finished_on DATE,
    UNIQUE (owner, book_id)
);
CREATE INDEX shelf_owner ON shelf (owner, id);
