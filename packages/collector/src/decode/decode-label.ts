import { errorMessage, type ModelDefinition } from '@vigil/core';
import { DecodeFailure, type DeadLetter, toDeadLetter } from './dead-letter';
import { type CompiledDecodeOptions, type DecodeOptions, compileDecodeOptions } from './decode-options';
import { missingField, outOfRange, own, parseEvent, readId, readModel, readTimestamp, wrongType } from './event-fields';
import { MAX_EPOCH_MS } from './parse-timestamp';
import type { RawMessage } from './raw-message';

/** A decoded label event (docs/events.md, "Label event"): the ground truth for the prediction (`model`, `id`). */
export interface LabelEvent {
  readonly model: string;
  readonly id: string;
  /** 0 or 1 for a binary model (booleans are accepted as 1/0), a finite number for a regression. */
  readonly label: number;
  /** When the label was known, epoch milliseconds: the event's `ts`, else the Kafka message timestamp. */
  readonly ts: number;
}

export type DecodedLabel =
  { readonly ok: true; readonly label: LabelEvent } | { readonly ok: false; readonly deadLetter: DeadLetter };

/**
 * Decodes a label event. `model`, `id` and `label` are required (a null label carries no ground truth, so it is
 * refused); `ts` may be left to the Kafka message timestamp, since a label counts in the window of its
 * prediction's event time, not its own. Never throws.
 *
 * `options` may be compiled once with {@link compileDecodeOptions} when decoding many labels.
 */
export function decodeLabel(
  message: RawMessage,
  models: ReadonlyMap<string, ModelDefinition>,
  options: DecodeOptions | CompiledDecodeOptions = {},
): DecodedLabel {
  const compiled = compileDecodeOptions(options);
  let model: string | null = null;
  let result: LabelEvent | DecodeFailure;
  try {
    const event = parseEvent(message, compiled);
    if (event instanceof DecodeFailure) {
      result = event;
    } else {
      const definition = readModel(event, models);
      if (definition instanceof DecodeFailure) {
        result = definition;
      } else {
        model = definition.id;
        result = readLabelEvent(event, definition, message);
      }
    }
  } catch (error) {
    // Only a bug gets here; the message is still accounted for, as a dead letter.
    result = new DecodeFailure('VIGIL_INTERNAL', `value: decoder failed (${errorMessage(error)})`);
  }
  if (result instanceof DecodeFailure) return { ok: false, deadLetter: toDeadLetter(message, result, compiled, model) };
  return { ok: true, label: result };
}

function readLabelEvent(
  event: Record<string, unknown>,
  model: ModelDefinition,
  message: RawMessage,
): LabelEvent | DecodeFailure {
  const id = readId(event);
  if (typeof id !== 'string') return id;
  const label = readLabel(own(event, 'label'), model.task === 'binary');
  if (typeof label !== 'number') return label;
  const tsValue = own(event, 'ts');
  let ts: number | DecodeFailure;
  if (tsValue === undefined || tsValue === null) {
    // Kafka timestamps are integer epoch milliseconds; `Number` alone would also take " " (0), "0x10" (16) or "1e300".
    const fallback =
      message.timestamp !== undefined && /^-?\d{1,16}$/.test(message.timestamp)
        ? Number(message.timestamp)
        : Number.NaN;
    ts = Math.abs(fallback) <= MAX_EPOCH_MS ? fallback : missingField('ts', tsValue);
  } else {
    ts = readTimestamp(tsValue, 'ts');
  }
  if (typeof ts !== 'number') return ts;
  return { model: model.id, id, label, ts };
}

function readLabel(value: unknown, binary: boolean): number | DecodeFailure {
  if (value === undefined || value === null) return missingField('label', value);
  if (binary) {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'number') return wrongType('label', '0, 1 or a boolean', value);
    return value === 1 ? 1 : value === 0 ? 0 : outOfRange('label', '0 or 1', value);
  }
  if (typeof value !== 'number') return wrongType('label', 'a number', value);
  return Number.isFinite(value) ? value : outOfRange('label', 'a finite number', value);
}
