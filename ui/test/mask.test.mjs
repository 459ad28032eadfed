import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPhone, maskIdNumber, isMasked, maskNumbersInText } from '../js/mask.js';

test('phones keep the first three and last four digits, like the core', () => {
  assert.equal(maskPhone('13812345678'), '138****5678');
  assert.equal(maskPhone('07755551234'), '077****1234');
  assert.equal(maskPhone('1234567'), '1234567'.slice(0, 3) + '4567', 'seven digits leave nothing to hide in between');
  assert.equal(maskPhone('12345'), '*****', 'too short to show any of it');
  assert.equal(maskPhone(null), '');
});

test('identity numbers keep the six-digit region and the last four', () => {
  assert.equal(maskIdNumber('45080219900101123X'), '450802********123X');
  assert.equal(maskIdNumber('450802900101123'), '450802*****1123', 'old 15-digit numbers too');
  assert.equal(maskIdNumber('123456789'), '*********');
});

test('a masked value is recognised and not masked twice', () => {
  assert.ok(isMasked('138****5678'));
  assert.ok(!isMasked('13812345678'));
});

test('numbers typed into free text are masked, other numbers left alone', () => {
  assert.equal(
    maskNumbersInText('来电人13812345678，身份证45080219900101123X，3号楼'),
    '来电人138****5678，身份证450802********123X，3号楼',
  );
  assert.equal(maskNumbersInText('2025年共3户'), '2025年共3户');
  assert.equal(maskNumbersInText('13812345678来电'), '138****5678来电', 'a number at the very start is masked too');
  assert.equal(maskNumbersInText('单号1234567890123'), '单号1234567890123', 'a 13-digit order number is neither a phone nor an ID');
  assert.equal(maskNumbersInText('已脱敏138****5678'), '已脱敏138****5678', 'masked text is left as it is');
});
