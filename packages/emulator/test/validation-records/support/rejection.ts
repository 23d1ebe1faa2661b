/** Assertions on rejections: the error class, the field path it names, and what its message says. */

import assert from 'node:assert/strict';
import { RecordRejection, SchemaMismatch } from '../../../src/validation/index.js';

export function rejects(run: () => unknown, field: string | undefined, message?: RegExp): RecordRejection {
  let caught: unknown;
  try {
    const row = run();
    assert.fail(`expected a rejection naming ${field ?? 'the record'}, got row ${String(row)}`);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RecordRejection, `expected RecordRejection, got ${String(caught)}`);
  assert.equal(caught.field, field, caught.message);
  if (field !== undefined) assert.ok(caught.message.startsWith(`field "${field}": `), caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

export function mismatches(run: () => unknown, column: string | undefined, message?: RegExp): SchemaMismatch {
  let caught: unknown;
  try {
    run();
    assert.fail(`expected a SchemaMismatch naming ${column ?? 'the descriptor'}`);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SchemaMismatch, `expected SchemaMismatch, got ${String(caught)}`);
  assert.equal(caught.column, column, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}
