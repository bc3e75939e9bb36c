/**
 * A Content-Disposition value for a download: an ASCII fallback name (other
 * characters become '_') and the exact name in RFC 5987 form, so queue and job
 * names with spaces, quotes or unicode neither break the header nor get lost.
 */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\;%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}
