-- revision: 0002_products
-- down_revision: 0001_customers
-- message: create products

-- migrate:up
CREATE TABLE products (
    id BIGINT PRIMARY KEY,
    sku VARCHAR(64) NOT NULL UNIQUE,
    title VARCHAR(200) NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
);
INSERT INTO products (id, sku, title, price_cents) VALUES (1, 'TEA-01', 'Green tea; loose leaf', 450);

-- migrate:down
DROP TABLE products;
