// The database's disk as the status bar shows it: a failed write is a red alarm that says what to do,
// the read-only viewing mode and a disk running out of room are amber. Pure, so it is tested in node.

/** Below this the disk is shown as running out (a day of a busy township's writes is far less). */
export const LOW_SPACE_BYTES = 500 * 1024 * 1024;

function megabytes(bytes) {
  return `${Math.floor(bytes / (1024 * 1024))} MB`;
}

/**
 * @param {{ok: boolean, backend: string, detail: string, read_only?: boolean, failure?: {code: string, message: string, at: number}|null, free_bytes?: number|null}|undefined} db
 * @returns {{state: true|false|'partial', label: string, detail: string, banner: string|null}}
 */
export function storageState(db) {
  if (!db) return { state: false, label: '数据库异常', detail: '', banner: null };
  const name = db.backend === 'postgres' ? 'PostgreSQL' : 'SQLite';
  if (db.failure) {
    const what = { storage_full: '磁盘已满', read_only: '数据库只读', io_error: '磁盘读写错误' }[db.failure.code] ?? '数据库写入失败';
    return { state: false, label: `数据库无法写入：${what}`, detail: db.failure.message, banner: `${what}，新的操作无法保存：${db.failure.message}` };
  }
  if (!db.ok) return { state: false, label: '数据库异常', detail: db.detail, banner: null };
  if (db.read_only) {
    return { state: 'partial', label: '只读查看模式', detail: `${db.detail}：数据库以只读方式打开，只能查看，任何修改都会被拒绝`, banner: '只读查看模式：只能查看，不能修改' };
  }
  if (db.free_bytes != null && db.free_bytes < LOW_SPACE_BYTES) {
    return { state: 'partial', label: `磁盘空间不足（剩 ${megabytes(db.free_bytes)}）`, detail: `${db.detail}：请尽快清理数据库所在磁盘`, banner: null };
  }
  const free = db.free_bytes != null ? `，磁盘剩余 ${megabytes(db.free_bytes)}` : '';
  return { state: true, label: `数据库 ${name}`, detail: `${db.detail}${free}`, banner: null };
}
