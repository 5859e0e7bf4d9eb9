-- revision: 0003_orders
-- down_revision: 0002_products
-- message: create orders

-- migrate:up
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL DEFAULT 1
);

-- migrate:down
DROP TABLE orders;
