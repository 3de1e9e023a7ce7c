INSERT INTO authors (name, country) VALUES
    ('Ursula K. Le Guin', 'US'),
    ('Italo Calvino', 'IT'),
    ('Chinua Achebe', 'NG'),
    ('Wisława Szymborska', 'PL'),
    ('Jorge Luis Borges', NULL);

INSERT INTO books (title, isbn, author_id, year, price, in_stock) VALUES
    ('A Wizard of Earthsea', '978-0547773742', 1, 1968, 9.99, TRUE),
    ('The Left Hand of Darkness', '978-0441478125', 1, 1969, 12.50, TRUE),
    ('The Dispossessed', '978-0061054884', 1, 1974, 11.00, FALSE),
    ('Invisible Cities', '978-0156453806', 2, 1972, 13.95, TRUE),
    ('If on a winter''s night a traveler', '978-0156439619', 2, 1979, 14.95, TRUE),
    ('Things Fall Apart', '978-0385474542', 3, 1958, 10.00, TRUE),
    ('View with a Grain of Sand', '978-0156002165', 4, 1995, 15.00, FALSE),
    ('Ficciones', '978-0802130303', 5, 1944, 12.00, TRUE),
    ('Labyrinths', '978-0811216999', 5, 1962, 13.50, TRUE),
    ('The Lathe of Heaven', '978-1416556961', 1, 1971, 10.50, TRUE);
