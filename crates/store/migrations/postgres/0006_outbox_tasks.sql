-- The task an outbox row carries, so that a task nobody acknowledged can be published again when the broker
-- lost its state (a restart without persistence drops every queued message and subscription).
ALTER TABLE outbox ADD COLUMN task_id TEXT;
CREATE INDEX outbox_task ON outbox(task_id) WHERE task_id IS NOT NULL;
-- The tasks gone unacknowledged past their limit that are still live: few, read with every queue page.
CREATE INDEX dispatch_tasks_no_ack ON dispatch_tasks(ack_due_at)
    WHERE no_ack_at IS NOT NULL AND acked_at IS NULL AND cancelled_at IS NULL AND done_at IS NULL;
