// Masking of identity and phone numbers, the same rule as the core's `register::mask_phone` and
// `mask_id_number`. The back end masks before anything leaves it (the plain number only comes back through
// the audited `reveal` command); the console masks again whatever it shows that it did not get from a
// register — a number typed into the hand-logged event form, for instance — so that a screen photographed
// over an officer's shoulder never carries a full number.

/** "13812345678" → "138****5678"; shorter than 7 characters → all stars. */
export function maskPhone(phone) {
  const chars = Array.from(String(phone ?? ''));
  if (chars.length < 7) return '*'.repeat(chars.length);
  const head = chars.slice(0, 3).join('');
  const tail = chars.slice(-4).join('');
  return `${head}${'*'.repeat(chars.length - 7)}${tail}`;
}

/** "450802199001011234" → "450802********1234"; shorter than 10 characters → all stars. */
export function maskIdNumber(id) {
  const chars = Array.from(String(id ?? ''));
  if (chars.length < 10) return '*'.repeat(chars.length);
  const head = chars.slice(0, 6).join('');
  const tail = chars.slice(-4).join('');
  return `${head}${'*'.repeat(chars.length - 10)}${tail}`;
}

/** True when a value already carries the mask, so that it is not masked twice into all stars. */
export function isMasked(value) {
  return typeof value === 'string' && value.includes('*');
}

/**
 * Masks every phone-like run of digits (7 to 12) and identity-like run (15 or 17 digits + a check
 * character) inside free text, e.g. an event description typed from a call.
 */
export function maskNumbersInText(text) {
  // No lookbehind: older WebKitGTK builds lack it, so the character before a number is captured instead.
  return String(text ?? '').replace(/(^|[^0-9*])([0-9]{17}[0-9Xx]|[0-9]{15}|[0-9]{7,12})(?![0-9*])/g, (_, before, number) =>
    before + (number.length >= 15 ? maskIdNumber(number) : maskPhone(number)),
  );
}
