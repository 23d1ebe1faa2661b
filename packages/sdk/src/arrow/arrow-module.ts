/**
 * apache-arrow is an optional peer dependency: only Arrow streams need it, so it is loaded on
 * first use, and users who never call `createArrowStream` need not install it.
 */
import { NonRetriableError } from '../errors.js';

export type Arrow = typeof import('apache-arrow');

let loading: Promise<Arrow> | undefined;

export function loadArrow(): Promise<Arrow> {
  loading ??= import('apache-arrow').then(
    (module) =>
      (module as { default?: Arrow }).default?.RecordBatch ? (module as { default: Arrow }).default : module,
    (cause: unknown) => {
      loading = undefined;
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'Arrow streams need the apache-arrow package: npm install apache-arrow',
        {
          cause,
        },
      );
    },
  );
  return loading;
}
