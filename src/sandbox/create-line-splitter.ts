/**
 * Splits a byte stream into lines for a callback. A line longer than `maxLineBytes` is cut to its
 * first maxLineBytes bytes (the rest up to the newline is dropped), so a flood without newlines never
 * grows memory. A trailing "\r" is removed. Call flush() at the end for an unterminated last line.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  maxLineBytes = 64 * 1024,
): { push(chunk: Buffer): void; flush(): void } {
  let parts: Buffer[] = [];
  let size = 0;
  let cut = false;

  const append = (bytes: Buffer): void => {
    if (cut || bytes.length === 0) return;
    const room = maxLineBytes - size;
    if (bytes.length > room) {
      if (room > 0) {
        parts.push(Buffer.from(bytes.subarray(0, room)));
        size += room;
      }
      cut = true;
      return;
    }
    parts.push(bytes);
    size += bytes.length;
  };

  const emit = (): void => {
    let line = Buffer.concat(parts, size).toString("utf8");
    parts = [];
    size = 0;
    cut = false;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    onLine(line);
  };

  return {
    push(chunk: Buffer): void {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl === -1) {
          append(chunk.subarray(start));
          return;
        }
        append(chunk.subarray(start, nl));
        emit();
        start = nl + 1;
      }
    },
    flush(): void {
      if (size > 0 || cut) emit();
    },
  };
}
