// Status codes returned by control calls (mirrored as ST_* in sdk/engine/records.ts).
// Exports never throw: a trap would leave the instance unusable, so every rejected call
// returns one of these and leaves the tables exactly as they were.

// @ts-ignore: decorator
@inline export const ST_OK: i32 = 0;
/** The frontend key is already bound to a service port. */
// @ts-ignore: decorator
@inline export const ST_EXISTS: i32 = 1;
/** No such frontend or service port. */
// @ts-ignore: decorator
@inline export const ST_NOT_FOUND: i32 = 2;
/** Id 0 or above MAX_SERVICE_PORT_ID, or another argument out of range. */
// @ts-ignore: decorator
@inline export const ST_BAD_ARGUMENT: i32 = 3;
/** The batch does not fit the reserved buffers. */
// @ts-ignore: decorator
@inline export const ST_BATCH_TOO_LARGE: i32 = 4;
/** The table would outgrow what one region may hold (the backend pool stops at 1 GiB). */
// @ts-ignore: decorator
@inline export const ST_NO_MEMORY: i32 = 5;
