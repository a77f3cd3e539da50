/**
 * Generated sections inside a Markdown file that is otherwise kept by hand (BENCHMARKS.md): a
 * section sits between `<!-- begin NAME -->` and `<!-- end NAME -->`, so a tool can replace its
 * own section and leave the rest alone.
 */

/** `content` between the markers of section `name`. */
export function markdownSection(name: string, content: string): string {
  return `<!-- begin ${name} -->\n${content.trim()}\n<!-- end ${name} -->\n`;
}

/** `text` with section `name` replaced by `content`, or with the section appended when it has none. */
export function replaceMarkdownSection(text: string, name: string, content: string): string {
  const begin = `<!-- begin ${name} -->`;
  const end = `<!-- end ${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  if (from >= 0 && to < 0) throw new Error(`'${begin}' has no '${end}' after it`);
  if (from < 0) return `${text.trimEnd()}\n\n${markdownSection(name, content)}`;
  return text.slice(0, from) + markdownSection(name, content) + text.slice(to + end.length).replace(/^\n/, '');
}
