-- revision: 0005_status
-- down_revision: 0003_orders
-- branch_labels: fulfilment
-- message: order status (the other branch)

-- migrate:up
ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'new';

-- migrate:down
ALTER TABLE orders DROP COLUMN status;
