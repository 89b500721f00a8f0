import { isVigilError, VigilError, type ModelConfig } from '@vigil/core';

/**
 * A `VIGIL_BAD_VALUE` of a file reader ("column "region": "south" is not a number") for a column that the user
 * declared numeric, with where it was declared and the likely fix appended; the file:line stays first:
 * `…/reference.csv:2: column "region": "south" is not a number (declared numeric at vigil.yaml:14; declare it
 * categorical if it holds text)`. Any other error is returned as it is.
 *
 * @param declared - where the column was declared numeric (`at vigil.yaml:14`, `by --features`), or undefined when
 *   the user did not declare it (its kind was inferred).
 */
export function withDeclaredKind(error: unknown, declared: (column: string) => string | undefined): unknown {
  if (!isVigilError(error, 'VIGIL_BAD_VALUE')) return error;
  const column = error.details?.column;
  if (typeof column !== 'string' || !error.message.endsWith('is not a number')) return error;
  const where = declared(column);
  if (where === undefined) return error;
  return new VigilError(
    'VIGIL_BAD_VALUE',
    `${error.message} (declared numeric ${where}; declare it categorical if it holds text)`,
    { details: { ...error.details, declared: where }, cause: error },
  );
}

/** Where `model` declares `column` numeric: `at vigil.yaml:14`, or undefined when it does not. */
export function modelDeclaration(model: ModelConfig, column: string): string | undefined {
  if (!Object.hasOwn(model.features, column) || model.features[column] !== 'numeric') return undefined;
  const at = model.featuresDeclaredAt;
  return at !== undefined && Object.hasOwn(at, column) ? `at ${at[column]}` : `in model ${model.id}'s features`;
}
