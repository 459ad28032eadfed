-- The task an outbox row carries, so that a task nobody acknowledged can be published again when the broker
-- lost its state (a restart without persistence drops every queued message and subscription).
ALTER TABLE outbox ADD COLUMN task_id TEXT;
CREATE INDEX outbox_task ON outbox(task_id) WHERE task_id IS NOT NULL;
