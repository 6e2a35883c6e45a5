#!/usr/bin/env node
// Generates syntaxes/asterisk-config.tmLanguage.json and syntaxes/asterisk-dialplan.tmLanguage.json.
//
// The two grammars share the configuration-file layer (comments, `\;`, sections, directives,
// key/value lines); the dialplan grammar adds `exten =>`, `same =>`, `include =>`, ... and the
// `${...}` / `$[...]` languages. Regexes are written with String.raw, so `\s` here is `\s` in the
// grammar. The JSON files are committed (VS Code reads them as they are); `npm test` runs this
// script with `--check`, which fails when they are out of date.
//
//   node scripts/build-grammars.js          rewrite both files
//   node scripts/build-grammars.js --check  exit 1 if either file differs from what it would write

'use strict';

const fs = require('fs');
const path = require('path');

const r = String.raw;

function build(lang) {
  const dialplan = lang === 'asterisk-dialplan';
  // Every scope name ends in the language's suffix: `sc('comment.line')` → `comment.line.<lang>`.
  const sc = (name) => `${name}.${lang}`;
  // `{1: 'a', 2: {name: 'b', patterns}}` → captures object with suffixed names.
  const caps = (obj) => {
    const out = {};
    for (const [k, v] of Object.entries(obj)) {
      out[k] = typeof v === 'string' ? { name: sc(v) } : { ...v, ...(v.name ? { name: sc(v.name) } : {}) };
    }
    return out;
  };
  const inc = (name) => ({ include: `#${name}` });

  // ---------------------------------------------------------------- configuration-file layer
  const repository = {
    // `\;` is a literal semicolon (the backslash is dropped), never a comment. In `\\;` only the
    // second backslash escapes.
    escape: { match: r`\\;`, name: sc('constant.character.escape') },

    comments: { patterns: [inc('escape'), inc('block-comment'), inc('line-comment')] },

    // `;--` opens a block comment (not `;---`, which is a plain `;` comment); blocks nest and may
    // span lines; text on both sides of the block is still part of the line.
    'block-comment': {
      begin: r`;--(?!-)`,
      end: r`--;`,
      beginCaptures: caps({ 0: 'punctuation.definition.comment.begin' }),
      endCaptures: caps({ 0: 'punctuation.definition.comment.end' }),
      name: sc('comment.block'),
      patterns: [{ match: r`\\;` }, inc('block-comment')],
    },

    'line-comment': {
      match: r`(;).*$`,
      name: sc('comment.line.semicolon'),
      captures: caps({ 1: 'punctuation.definition.comment' }),
    },

    // `#include "file"`, `#tryinclude <file>`, `#exec cmd args`; the word is case-insensitive.
    directive: {
      patterns: [
        {
          begin: r`^\s*((#)(?i:include|tryinclude|exec))(?=[\s;"<]|$)`,
          beginCaptures: caps({ 1: 'keyword.control.directive', 2: 'punctuation.definition.directive' }),
          end: '$',
          name: sc('meta.preprocessor'),
          patterns: [
            inc('comments'),
            {
              begin: '"',
              end: r`"|(?=$)`,
              beginCaptures: caps({ 0: 'punctuation.definition.string.begin' }),
              endCaptures: caps({ 0: 'punctuation.definition.string.end' }),
              name: sc('string.quoted.double'),
              patterns: [inc('comments')],
            },
            {
              match: r`(<)([^>;]*)(>)`,
              name: sc('string.quoted.other.lt-gt'),
              captures: caps({ 1: 'punctuation.definition.string.begin', 3: 'punctuation.definition.string.end' }),
            },
            { match: r`(?:\\;|[^\s;"<])(?:\\;|[^;])*?(?=\s*(?:;|$))`, name: sc('string.unquoted.filename') },
          ],
        },
        {
          // Asterisk warns `Unknown directive` and ignores the line.
          match: r`^\s*(#)[^\s;]*`,
          name: sc('invalid.illegal.unknown-directive'),
        },
      ],
    },

    // `[name]`, `[name](!)`, `[name](+)`, `[name](tpl1,tpl2)`. Options count only when `(`
    // follows `]` immediately (`[c] (!)` is not a template).
    section: {
      match: r`^\s*(\[)([^\];]*)(\])?(?:(\()([^);]*)(\)))?`,
      captures: caps({
        1: 'punctuation.definition.section.begin',
        2: 'entity.name.section',
        3: 'punctuation.definition.section.end',
        4: 'punctuation.definition.options.begin',
        5: {
          patterns: [
            { match: '!', name: sc('storage.modifier.template') },
            { match: r`\+`, name: sc('storage.modifier.append') },
            { match: ',', name: sc('punctuation.separator.comma') },
            { match: r`[^,!+\s]+`, name: sc('entity.other.inherited-class') },
          ],
        },
        6: 'punctuation.definition.options.end',
      }),
    },

    // `key = value`, `key => value`, `key += value`. A leading `\` escapes the key's first byte.
    'key-value': {
      begin: r`^\s*((?:\\.|[^\s=;\[#\\])(?:\\.|[^=;\\])*?)\s*(\+?=>?)`,
      beginCaptures: caps({ 1: 'support.type.property-name', 2: 'keyword.operator.assignment' }),
      end: '$',
      patterns: [inc('value')],
    },

    string: {
      begin: '"',
      end: r`"|(?=$)`,
      beginCaptures: caps({ 0: 'punctuation.definition.string.begin' }),
      endCaptures: caps({ 0: 'punctuation.definition.string.end' }),
      name: sc('string.quoted.double'),
      // `;` still starts a comment inside quotes.
      patterns: dialplan ? [inc('comments'), inc('variable'), inc('expression')] : [inc('comments')],
    },

    value: {
      patterns: [
        inc('comments'),
        {
          match: r`\G\s*((?i:yes|no|true|false|on|off))\s*(?=;|$)`,
          captures: caps({ 1: 'constant.language.boolean' }),
        },
        { match: r`\G\s*(-?\d+(?:\.\d+)?)\s*(?=;|$)`, captures: caps({ 1: 'constant.numeric' }) },
        inc('string'),
        ...(dialplan ? [inc('variable'), inc('expression')] : []),
      ],
    },
  };

  const top = [inc('directive'), inc('section')];

  if (dialplan) {
    const statement = (keyword, scope, patterns) => ({
      begin: r`^\s*(${keyword})\s*(=>?)\s*`,
      beginCaptures: caps({ 1: scope, 2: 'keyword.operator.assignment' }),
      end: '$',
      patterns,
    });

    Object.assign(repository, {
      // exten => EXT[/CID],PRIO[+N][(LABEL)],APP(DATA)
      exten: statement('(?i:exten)', 'keyword.other.exten', [
        inc('comments'),
        inc('extension'),
        {
          begin: '/',
          end: r`(?=[,;]|$)`,
          beginCaptures: caps({ 0: 'punctuation.separator.caller-id' }),
          name: sc('meta.caller-id'),
          patterns: [inc('comments'), inc('extension')],
        },
        {
          begin: ',',
          end: '(?=$)',
          beginCaptures: caps({ 0: 'punctuation.separator.comma' }),
          patterns: [inc('comments'), inc('hint'), inc('priority'), inc('application-field')],
        },
      ]),

      // same => PRIO[(LABEL)],APP(DATA)
      same: statement('(?i:same)', 'keyword.other.same', [
        inc('comments'),
        inc('priority'),
        inc('application-field'),
      ]),

      // include => context[,times[,weekdays[,mdays[,months[,timezone]]]]] (`|` also separates)
      include: statement('(?i:include)', 'keyword.other.include', [
        inc('comments'),
        { match: r`\G\s*((?:\\.|[^,|;\s\\$])+)`, captures: caps({ 1: 'entity.name.section.context' }) },
        inc('variable'),
        { match: '[,|]', name: sc('punctuation.separator.comma') },
        { match: r`(?:\\.|[^,|;\s\\$])+`, name: sc('constant.other.timing') },
      ]),

      // switch => Module/data (also lswitch / eswitch)
      switch: statement('(?i:[le]?switch)', 'keyword.other.switch', [
        inc('comments'),
        {
          match: r`\G\s*([^/;\s$]+)(/)?`,
          captures: caps({ 1: 'support.class.switch', 2: 'punctuation.separator.slash' }),
        },
        inc('variable'),
        inc('expression'),
      ]),

      ignorepat: statement('(?i:ignorepat)', 'keyword.other.ignorepat', [inc('comments'), inc('extension')]),

      // The extension (or caller-ID) field: a `_` pattern, a special extension, or a literal.
      extension: {
        patterns: [
          {
            begin: r`\G\s*(_)`,
            end: r`(?=[,/;]|$)`,
            beginCaptures: caps({ 1: 'punctuation.definition.pattern' }),
            name: sc('string.regexp.pattern'),
            patterns: [
              inc('escape'),
              { match: r`\\.`, name: sc('constant.character.escape') },
              { match: '[NXZnxz]', name: sc('constant.character.wildcard') },
              { match: '[.!]', name: sc('keyword.operator.quantifier') },
              {
                begin: r`\[`,
                end: r`\]|(?=[;]|$)`,
                beginCaptures: caps({ 0: 'punctuation.definition.character-class.begin' }),
                endCaptures: caps({ 0: 'punctuation.definition.character-class.end' }),
                name: sc('constant.other.character-class.set'),
                patterns: [inc('escape'), { match: '-', name: sc('punctuation.separator.range') }],
              },
              inc('variable'),
            ],
          },
          {
            match: r`\G\s*(s|h|i|t|T|e|o|a|fax|talk)(?=\s*(?:[,/;]|$))`,
            captures: caps({ 1: 'constant.language.extension' }),
          },
          { match: r`\G\s*((?:\\.|[^,/;\s\\$])+)`, captures: caps({ 1: 'constant.other.extension' }) },
          inc('variable'),
        ],
      },

      // 1, n, next, s, same, a label reference; then +N, then (label).
      priority: {
        match: r`\G\s*(?:(\d+)|(n|next|s|same)|([A-Za-z_][\w-]*))(?:(\+)(\d+))?(?:(\()([^);,]*)(\)))?`,
        captures: caps({
          1: 'constant.numeric.priority',
          2: 'constant.language.priority',
          3: 'entity.name.label.reference',
          4: 'keyword.operator.arithmetic',
          5: 'constant.numeric.priority',
          6: 'punctuation.definition.label.begin',
          7: 'entity.name.label',
          8: 'punctuation.definition.label.end',
        }),
      },

      // exten => 100,hint,PJSIP/100&Custom:DND100
      hint: {
        begin: r`\G\s*(hint)(?=\s*(?:[,;]|$))`,
        end: '(?=$)',
        beginCaptures: caps({ 1: 'keyword.other.hint' }),
        patterns: [
          inc('comments'),
          {
            begin: ',',
            end: '(?=$)',
            beginCaptures: caps({ 0: 'punctuation.separator.comma' }),
            contentName: sc('string.unquoted.hint'),
            patterns: [inc('comments'), inc('variable'), { match: '&', name: sc('punctuation.separator.ampersand') }],
          },
        ],
      },

      // `,APP(DATA)` after the priority. The application name is everything before the first
      // `(`; blanks between the name and `(` stay in the name (`NoOp (x)` fails at run time).
      'application-field': {
        begin: ',',
        end: '(?=$)',
        beginCaptures: caps({ 0: 'punctuation.separator.comma' }),
        patterns: [
          inc('comments'),
          {
            // Set(NAME=value) / Set(FUNC(args)=value)
            begin: r`\G\s*((?i:set))(\s*)(\()`,
            end: r`(\))|(?=$)`,
            beginCaptures: caps({
              1: 'entity.name.function.application',
              2: 'invalid.illegal.whitespace',
              3: 'punctuation.definition.arguments.begin',
            }),
            endCaptures: caps({ 1: 'punctuation.definition.arguments.end' }),
            name: sc('meta.application'),
            patterns: [
              {
                match: r`\G\s*([\w.~-]+)\s*(=)`,
                captures: caps({ 1: 'variable.other', 2: 'keyword.operator.assignment' }),
              },
              {
                begin: r`\G\s*([A-Za-z_]\w*)(\()`,
                end: r`(\))\s*(=)?|(?=$)`,
                beginCaptures: caps({ 1: 'support.function', 2: 'punctuation.definition.arguments.begin' }),
                endCaptures: caps({ 1: 'punctuation.definition.arguments.end', 2: 'keyword.operator.assignment' }),
                patterns: [inc('data')],
              },
              inc('data'),
            ],
          },
          {
            begin: r`\G\s*([A-Za-z_]\w*)(\s*)(\()`,
            end: r`(\))|(?=$)`,
            beginCaptures: caps({
              1: 'entity.name.function.application',
              2: 'invalid.illegal.whitespace',
              3: 'punctuation.definition.arguments.begin',
            }),
            endCaptures: caps({ 1: 'punctuation.definition.arguments.end' }),
            name: sc('meta.application'),
            patterns: [inc('data')],
          },
          { match: r`\G\s*([A-Za-z_]\w*)`, captures: caps({ 1: 'entity.name.function.application' }) },
          inc('data'),
        ],
      },

      // Application and function arguments.
      data: {
        patterns: [
          inc('comments'),
          { match: r`\\.`, name: sc('constant.character.escape') },
          inc('variable'),
          inc('expression'),
          inc('string'),
          {
            begin: r`\(`,
            end: r`\)|(?=$)`,
            patterns: [inc('data')],
          },
          { match: ',', name: sc('punctuation.separator.arguments') },
          { match: r`(?<=[(,])\s*(-?\d+(?:\.\d+)?)\s*(?=[,)])`, captures: caps({ 1: 'constant.numeric' }) },
        ],
      },

      // ${NAME}, ${NAME:offset:length}, ${FUNC(args)}, ${${INDIRECT}}
      variable: {
        begin: r`\$\{`,
        end: r`\}|(?=$)`,
        beginCaptures: caps({ 0: 'punctuation.definition.variable.begin' }),
        endCaptures: caps({ 0: 'punctuation.definition.variable.end' }),
        name: sc('meta.variable'),
        patterns: [
          inc('comments'),
          {
            begin: r`\G([A-Za-z_][\w.]*)(\()`,
            end: r`(\))|(?=$)`,
            beginCaptures: caps({ 1: 'support.function', 2: 'punctuation.definition.arguments.begin' }),
            endCaptures: caps({ 1: 'punctuation.definition.arguments.end' }),
            name: sc('meta.function-call'),
            patterns: [inc('data')],
          },
          { match: r`\G[\w.~-]+`, name: sc('variable.other') },
          {
            match: r`(:)(-?\d+)?`,
            captures: caps({ 1: 'punctuation.separator.substring', 2: 'constant.numeric' }),
          },
          inc('variable'),
          inc('expression'),
        ],
      },

      // $[ expression ] — the ast_expr2 language.
      expression: {
        begin: r`\$\[`,
        end: r`\]|(?=$)`,
        beginCaptures: caps({ 0: 'punctuation.section.expression.begin' }),
        endCaptures: caps({ 0: 'punctuation.section.expression.end' }),
        name: sc('meta.expression'),
        patterns: [inc('expression-body')],
      },
      'expression-body': {
        patterns: [
          inc('comments'),
          inc('variable'),
          inc('expression'),
          inc('string'),
          { match: r`\b([A-Za-z_]\w*)(?=\s*\()`, captures: caps({ 1: 'support.function' }) },
          { begin: r`\(`, end: r`\)|(?=$)`, patterns: [inc('expression-body')] },
          { match: r`\b\d+(?:\.\d+)?\b`, name: sc('constant.numeric') },
          { match: r`=~|:(?!:)`, name: sc('keyword.operator.regexp') },
          { match: r`::|\?`, name: sc('keyword.operator.ternary') },
          { match: r`==|!=|<=|>=|=|<|>`, name: sc('keyword.operator.comparison') },
          { match: r`[|&!]`, name: sc('keyword.operator.logical') },
          { match: r`[-+*/%]`, name: sc('keyword.operator.arithmetic') },
          { match: ',', name: sc('punctuation.separator.arguments') },
        ],
      },
    });
    top.push(inc('exten'), inc('same'), inc('include'), inc('switch'), inc('ignorepat'));
  }

  // key/value before comments so that `\;x = 1` (a key starting with `;`) is a key.
  top.push(inc('key-value'), inc('comments'));

  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: dialplan ? 'Asterisk dialplan' : 'Asterisk configuration',
    scopeName: `source.${lang}`,
    comment: 'Generated by scripts/build-grammars.js; edit that file, then run `node scripts/build-grammars.js`.',
    patterns: top,
    repository,
  };
}

function main() {
  const check = process.argv.includes('--check');
  const dir = path.join(__dirname, '..', 'syntaxes');
  let stale = 0;
  for (const lang of ['asterisk-config', 'asterisk-dialplan']) {
    const file = path.join(dir, `${lang}.tmLanguage.json`);
    const text = JSON.stringify(build(lang), null, 2) + '\n';
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (old === text) continue;
    if (check) {
      console.error(`${path.relative(process.cwd(), file)} is out of date: run node scripts/build-grammars.js`);
      stale++;
    } else {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  process.exit(stale ? 1 : 0);
}

main();
