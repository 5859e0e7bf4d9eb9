-- revision: 0004_loyalty
-- down_revision: 0003_orders
-- branch_labels: loyalty
-- message: loyalty points per customer (a branch)

-- migrate:up
ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL DEFAULT 0;

-- migrate:down
ALTER TABLE customers DROP COLUMN points;
