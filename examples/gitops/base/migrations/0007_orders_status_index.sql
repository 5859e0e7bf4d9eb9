-- revision: 0007_status_idx
-- down_revision: 0006_merge
-- transactional: false
-- message: index orders by status without blocking writes (PostgreSQL only)

-- CREATE INDEX CONCURRENTLY cannot run inside a transaction, hence
-- `transactional: false`; Revisor records the step as dirty until it has
-- finished, so an interrupted build is noticed. The quickstart manifest pins
-- 0006_merge so that it runs on SQLite too; on PostgreSQL, target `head`.

-- migrate:up
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);

-- migrate:down
DROP INDEX CONCURRENTLY orders_status_idx;
