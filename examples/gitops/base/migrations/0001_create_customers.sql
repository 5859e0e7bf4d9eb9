-- revision: 0001_customers
-- message: create customers

-- migrate:up
CREATE TABLE customers (
    id BIGINT PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL
);

-- migrate:down
DROP TABLE customers;
