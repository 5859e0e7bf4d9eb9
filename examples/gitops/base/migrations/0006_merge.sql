-- revision: 0006_merge
-- down_revision: 0004_loyalty, 0005_status
-- message: merge loyalty and fulfilment

-- migrate:up
-- Nothing to do: a merge revision only joins the branches.

-- migrate:down
-- Nothing to undo.
