import { deepFreeze } from '../../src/config/deep-freeze';

it('freezes nested objects, arrays and non-enumerable properties', () => {
  const hidden = { inner: { x: 1 } };
  const value = { list: [{ a: 1 }], nested: { b: { c: 2 } } };
  Object.defineProperty(value, 'secret', { value: hidden, enumerable: false });
  deepFreeze(value);
  expect(Object.isFrozen(value.list[0])).toBe(true);
  expect(Object.isFrozen(value.nested.b)).toBe(true);
  expect(Object.isFrozen(hidden.inner)).toBe(true);
  expect(deepFreeze(3)).toBe(3);
});
