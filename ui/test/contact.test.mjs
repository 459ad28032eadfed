import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialHref } from '../js/contact-model.js';

test('a revealed number is dialled through tel:, or only copied when the workstation says so', () => {
  assert.equal(dialHref('138 0775-1234', 'tel'), 'tel:13807751234');
  assert.equal(dialHref('+86 13807751234', 'tel'), 'tel:+8613807751234');
  assert.equal(dialHref('13807751234', 'copy'), null);
  assert.equal(dialHref('', 'tel'), null);
});
