/**
 * kubectl's AGE format: `HumanDuration` from `k8s.io/apimachinery pkg/util/duration/duration.go`
 * (tag kubernetes-1.32.13). Browser-safe.
 *
 * Each range prints its unit and, in the first part of the range, the next smaller unit:
 *
 *   elapsed            shown as
 *   < −1s              <invalid>
 *   −1s … < 0          0s          (tolerated clock skew)
 *   < 120s             Ns
 *   < 10m              XmYs / Xm
 *   < 3h               Xm
 *   < 8h               XhYm / Xh
 *   < 48h              Xh
 *   < 8d               XdYh / Xd
 *   < 2y (730d)        Xd
 *   < 8y               XyYd / Xy    (a year is 365 days)
 *   otherwise          Xy
 *
 * Every step truncates toward zero, as Go's integer conversions do.
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** `duration.HumanDuration(d)` for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  // Go: `int(d.Seconds())`, so −1.9s is −1 and counts as "almost now".
  const seconds = Math.trunc(ms / SECOND_MS);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE_MS);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR_MS);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}
