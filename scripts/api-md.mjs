#!/usr/bin/env node
// Reorders the API.md that jsii-docgen writes (alphabetical within Constructs, Structs, Classes, Enums) so that a
// reader meets what they use first: a table of contents, then PytorchCustomEndpoint and its props ("Start here"),
// then the building blocks in jsii-docgen's own sections and order. Run by `npm run docgen`, after jsii-docgen.
import * as fs from 'fs';

const FIRST = ['PytorchCustomEndpoint', 'PytorchCustomEndpointProps'];
const file = process.argv[2] ?? 'API.md';
const lines = fs.readFileSync(file, 'utf8').split('\n');

// Split into: the title line, then sections ("## X") each holding types ("### Y ... <a ... id="fqn">").
const title = lines[0];
const sections = [];
for (const line of lines.slice(1)) {
  if (line.startsWith('## ')) sections.push({ heading: line, intro: [], types: [] });
  else if (line.startsWith('### ')) sections.at(-1).types.push({ heading: line, name: line.slice(4).split(' ')[0], body: [] });
  else if (sections.length === 0) continue;
  else if (sections.at(-1).types.length === 0) sections.at(-1).intro.push(line);
  else sections.at(-1).types.at(-1).body.push(line);
}
if (sections.some((s) => s.heading.startsWith('## Start here'))) throw new Error(`${file} is already reordered: run jsii-docgen first`);

const first = FIRST.map((name) => {
  for (const section of sections) {
    const i = section.types.findIndex((t) => t.name === name);
    if (i >= 0) return section.types.splice(i, 1)[0];
  }
  throw new Error(`${file} has no ### ${name}`);
});
const start = { heading: '## Start here <a name="Start here" id="start-here"></a>', intro: [''], types: first };
const all = [start, ...sections];

const anchor = (type) => (type.heading.match(/ id="([^"]+)"/) ?? [])[1];
const toc = ['## Contents', ''];
for (const section of all) {
  const name = section.heading.slice(3).split(' <a ')[0];
  toc.push(`- **${name}**: ${section.types.map((t) => `[${t.name}](#${anchor(t)})`).join(', ')}`);
}
toc.push('');

const out = [title, '', ...toc];
for (const section of all) {
  out.push(section.heading, ...section.intro);
  for (const type of section.types) out.push(type.heading, ...type.body);
}
fs.writeFileSync(file, out.join('\n'));
