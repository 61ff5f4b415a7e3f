/**
 * A matcher that finds which of many keywords occur in a text, in one pass (an Aho-Corasick automaton compiled
 * to a table over ASCII; matching is case-insensitive for A-Z). Keywords must be lower-case; characters outside
 * ASCII never match. Used as the secret patterns' prefilter: one scan per text instead of one search per keyword.
 */
export interface KeywordMatcher {
  /** The indexes (into the keywords given) of every keyword in `text`, overlapping ones included. */
  find(text: string): Set<number>;
  /**
   * Call `visit` with the index of every keyword occurrence in `text` and where it ends (a keyword found twice is
   * visited twice);
   * allocates nothing when no keyword occurs, the common case.
   */
  forEach(text: string, visit: (keyword: number, end: number) => void): void;
  /** Whether `text` holds any of the keywords (stops at the first). */
  test(text: string): boolean;
}

const ALPHABET = 128;

export function buildKeywordMatcher(keywords: readonly string[]): KeywordMatcher {
  // Characters are mapped to classes first: one class per character some keyword holds (upper and lower case
  // together), class 0 for every other character (it leads back to the root). A smaller table, one lookup per character.
  const classOf = new Uint8Array(65536);
  let classes = 1;
  for (const keyword of keywords) {
    for (let i = 0; i < keyword.length; i++) {
      const c = keyword.charCodeAt(i);
      if (c >= ALPHABET) throw new Error(`buildKeywordMatcher: keyword "${keyword}" is not ASCII`);
      if (classOf[c] !== 0) continue;
      if (classes === 255) throw new Error("buildKeywordMatcher: more than 254 distinct characters in the keywords");
      classOf[c] = classes;
      if (c >= 97 && c <= 122) classOf[c - 32] = classes;
      classes++;
    }
  }
  // The trie, over classes.
  const children: Array<Map<number, number>> = [new Map()];
  const outputs: number[][] = [[]];
  keywords.forEach((keyword, index) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const c = classOf[keyword.charCodeAt(i)]!;
      let next = children[state]!.get(c);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        outputs.push([]);
        children[state]!.set(c, next);
      }
      state = next;
    }
    outputs[state]!.push(index);
  });
  // Failure links, breadth first, folded into a full transition table. Entries are premultiplied by the number
  // of classes (a state's row starts at state * classes), so the scan does one addition and one load per character.
  const states = children.length;
  const table = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let c = 0; c < classes; c++) {
    const next = children[0]!.get(c) ?? 0;
    table[c] = next * classes;
    if (next !== 0) queue.push(next);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    outputs[state]!.push(...outputs[fail[state]!]!);
    for (let c = 0; c < classes; c++) {
      const next = children[state]!.get(c);
      if (next === undefined) table[state * classes + c] = table[fail[state]! * classes + c]!;
      else {
        fail[next] = table[fail[state]! * classes + c]! / classes;
        table[state * classes + c] = next * classes;
        queue.push(next);
      }
    }
  }
  // By row start (state * classes): whether the state ends a keyword, and which.
  const hasOutput = new Uint8Array(states * classes + 1);
  const outputAt: Int32Array[] = [];
  for (let s = 0; s < states; s++) {
    if (outputs[s]!.length === 0) continue;
    hasOutput[s * classes] = 1;
    outputAt[s * classes] = Int32Array.from(outputs[s]!);
  }
  const forEach = (text: string, visit: (keyword: number, end: number) => void): void => {
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      row = table[row + classOf[text.charCodeAt(i)]!]!;
      if (hasOutput[row] === 1) for (const k of outputAt[row]!) visit(k, i + 1);
    }
  };
  return {
    find(text: string): Set<number> {
      const found = new Set<number>();
      forEach(text, (k) => found.add(k));
      return found;
    },
    forEach,
    test(text: string): boolean {
      let row = 0;
      for (let i = 0; i < text.length; i++) {
        row = table[row + classOf[text.charCodeAt(i)]!]!;
        if (hasOutput[row] === 1) return true;
      }
      return false;
    },
  };
}
