-- Accounts a township owns: a reset password must be changed at the next sign-in, wrong passwords in a row
-- lock the account for a while, and each account sees a data scope (empty: the whole township;
-- `villages:C,…` or `grids:C,…`).
ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until BIGINT;
ALTER TABLE accounts ADD COLUMN scope TEXT NOT NULL DEFAULT '';
