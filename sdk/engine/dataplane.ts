/**
 * The contract every data plane implements: the wasm core's binding (`sdk/engine/core.ts`)
 * and the pure-TypeScript reference (`sdk/reference/`). The SDK's NodeProxy programs a
 * data plane only through these calls, so the two are interchangeable and can be driven
 * side by side in differential tests.
 *
 * Control calls take and return numbers. Arguments are read as u32, the way a wasm `u32`
 * parameter converts a JS number (so -1 and 0xffffffff are the same address). Service
 * port ids are chosen by the caller (1-based, dense, reused after removal); the data
 * plane indexes its tables by them. Statuses are checked in a fixed order: ST_BAD_ARGUMENT
 * first, then ST_NOT_FOUND, then ST_EXISTS. Control calls may grow memory; `routeBatch`
 * never does.
 */
export interface DataPlane {
  /** `'wasm'` for the AssemblyScript core, `'reference'` for the TypeScript one. */
  readonly kind: string;

  /**
   * Creates service port `id` or updates its flags. A new service port has no backends
   * and no frontends. Returns ST_OK or ST_BAD_ARGUMENT (id 0 or above MAX_SERVICE_PORT_ID).
   */
  upsertServicePort(id: number, flags: number): number;

  /**
   * Removes service port `id` and frees its backends. The caller must have removed its
   * frontends first: frontends still bound to a removed id are not tracked (they would
   * REJECT with the old id, and follow the id if it is created again). NodeProxy always
   * unbinds first. Returns ST_OK, ST_NOT_FOUND or ST_BAD_ARGUMENT.
   */
  removeServicePort(id: number): number;

  /**
   * Binds the frontend (address, port, protocol) to service port `id`.
   * `kind` is stored with the frontend (FRONTEND_*; any byte is accepted). Returns ST_OK,
   * ST_EXISTS (key already bound), ST_NOT_FOUND (no such service port) or
   * ST_BAD_ARGUMENT (id 0 or too large, port > 65535, protocol or kind > 255).
   */
  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number;

  /** Unbinds a frontend. Returns ST_OK, ST_NOT_FOUND or ST_BAD_ARGUMENT (port > 65535, protocol > 255). */
  removeFrontend(address: number, port: number, protocol: number): number;

  /**
   * Sets the number of backends of service port `id`. Backends below `count` keep their
   * values; new ones are zero until written. Returns ST_OK, ST_NOT_FOUND, ST_BAD_ARGUMENT,
   * or ST_NO_MEMORY when the backend pool would pass MAX_BACKEND_POOL_ENTRIES (then
   * nothing changed).
   */
  setBackendCount(id: number, count: number): number;

  /**
   * Writes backend `index` of service port `id`. Returns ST_OK, ST_NOT_FOUND or
   * ST_BAD_ARGUMENT (bad id, index ≥ backend count, port or flags > 0xffff).
   */
  writeBackend(id: number, index: number, address: number, port: number, flags: number): number;

  /**
   * Makes room for batches of `capacity` records and returns the input view (4 words per
   * packet record, see records.ts). Buffers only grow: `routeBatch` accepts up to the
   * largest capacity ever reserved (at least 1024). The view stays valid until the next
   * control call.
   */
  reserveBatch(capacity: number): Uint32Array;

  /**
   * The current input view, covering every record the buffers hold (at least what was
   * ever reserved). Cheap: callers that keep no views across control calls fetch it per
   * batch.
   */
  inputView(): Uint32Array;

  /** The current output view, same extent as `inputView` (4 words per verdict record). */
  outputView(): Uint32Array;

  /**
   * Routes the first `count` records of the input view into the output view. Never
   * allocates. Returns `count`, or -ST_BATCH_TOO_LARGE when `count` exceeds the reserve.
   */
  routeBatch(count: number): number;

  /** Number of frontends currently bound. */
  frontendCount(): number;

  /** Backend count of service port `id` (0 when it does not exist). */
  backendCount(id: number): number;

  /** Bytes of memory the data plane's tables occupy (for the memory benchmark). */
  memoryBytes(): number;
}
