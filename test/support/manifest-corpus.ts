/**
 * Manifests for the manifest tests: valid ones, and bad ones with the JSON path (and a
 * fragment of the message) of every problem pinbot must report. `schemaCannotTell` marks
 * the rules JSON Schema cannot express (invalid JSON, case-insensitive duplicates,
 * repeated keys), which the schema/validator agreement test skips.
 */
export const CORPUS_FORGE = 'https://forge.test'

const manifest = (fields: Record<string, unknown>) => JSON.stringify({ forge: CORPUS_FORGE, repos: ['acme/api'], ...fields }, null, 2)

export interface BadManifest {
  name: string
  text: string
  /** [JSON path, fragment of its message], one per expected problem. */
  problems: Array<[string, string]>
  schemaCannotTell?: boolean
}

export const GOOD_MANIFESTS: Array<{ name: string; text: string }> = [
  { name: 'minimal', text: manifest({}) },
  {
    name: 'every key',
    text: manifest({
      $schema: './manifest.schema.json',
      repos: ['acme/api', 'https://elsewhere.test/group/sub/web.git', { repo: 'acme/go', branch: 'trunk' }, { repo: 'acme/.github' }],
      pinFile: '.runtime-version',
      requireFile: '.github/workflows/publish image.yml',
      consumer: { contains: 'runtime-version' },
      author: { name: 'pinbot', email: 'pinbot@example.com' },
      coAuthors: ['Release Manager <release@example.com>'],
      message: 'chore(runtime): {version}',
      concurrency: 64,
      pace: { maxPushesPerMinute: 80 },
    }),
  },
  { name: 'with a byte order mark and a forge path', text: `\uFEFF${JSON.stringify({ forge: 'http://127.0.0.1:3000/gitea/', repos: ['a/b'] })}` },
]

export const BAD_MANIFESTS: BadManifest[] = [
  {
    name: 'trailing comma',
    text: '{\n  "forge": "https://forge.test",\n  "repos": ["acme/api",]\n}',
    problems: [['$', 'line 3, column 23: trailing comma']],
    schemaCannotTell: true,
  },
  {
    name: 'unclosed string',
    text: '{\n  "forge": "https://forge.test,\n  "repos": []\n}',
    problems: [['$', 'line 2, column 12: string not closed before the end of the line']],
    schemaCannotTell: true,
  },
  { name: 'not an object', text: '["acme/api"]', problems: [['$', 'expected a JSON object, found an array']] },
  {
    name: 'required keys missing',
    text: '{}',
    problems: [
      ['$.forge', 'required key is missing'],
      ['$.repos', 'required key is missing'],
    ],
  },
  {
    name: 'consumer without a file nor requireFile',
    text: manifest({ consumer: { contains: 'VERSION' } }),
    problems: [['$.consumer.file', 'required when "requireFile" is not set']],
    schemaCannotTell: true,
  },
  { name: 'misspelt key', text: manifest({ concurency: 4 }), problems: [['$.concurency', 'did you mean "concurrency"?']] },
  {
    name: 'wrong top-level types',
    text: JSON.stringify({ forge: 42, repos: 'acme/api', pinFile: null, coAuthors: 'Bob <bob@example.com>', author: 'pinbot' }),
    problems: [
      ['$.forge', 'expected a string, found 42'],
      ['$.repos', 'expected an array of repos, found "acme/api"'],
      ['$.pinFile', 'expected a string, found null'],
      ['$.author', 'expected { "name": ..., "email": ... }, found "pinbot"'],
      ['$.coAuthors', 'expected an array'],
    ],
  },
  {
    name: 'wrong repo entry types',
    text: manifest({ repos: ['acme/api', { repo: 'acme/web', branch: 7 }, 12, { branch: 'main' }, { repo: 'acme/go', brnach: 'x' }, []] }),
    problems: [
      ['$.repos[1].branch', 'expected a string, found 7'],
      ['$.repos[2]', 'expected OWNER/NAME, a URL, or { "repo": ..., "branch": ... }, found 12'],
      ['$.repos[3].repo', 'required key is missing'],
      ['$.repos[4].brnach', 'did you mean "branch"?'],
      ['$.repos[5]', 'found an array'],
    ],
  },
  {
    name: 'duplicate repos ignoring case, by name and by URL',
    text: manifest({ repos: ['acme/api', 'Acme/API', `${CORPUS_FORGE}/acme/api.git`, { repo: 'acme/web' }, 'ACME/web'] }),
    problems: [
      ['$.repos[1]', 'duplicate of $.repos[0]'],
      ['$.repos[2]', 'duplicate of $.repos[0]'],
      ['$.repos[4]', 'duplicate of $.repos[3]'],
    ],
    schemaCannotTell: true,
  },
  { name: 'forge not http', text: manifest({ forge: 'ssh://git@forge.test' }), problems: [['$.forge', 'expected an http:// or https:// URL']] },
  { name: 'forge with credentials', text: manifest({ forge: 'https://bot:s3cret@forge.test' }), problems: [['$.forge', 'must not contain credentials']] },
  { name: 'forge with a query', text: manifest({ forge: 'https://forge.test/?x=1' }), problems: [['$.forge', 'must not have a query or fragment']] },
  {
    name: 'bad repo URLs',
    text: manifest({ repos: ['https://', 'https://forge.test/a/b.git#main', 'https://forge.test/', 'ftp://forge.test/a/b'] }),
    problems: [
      ['$.repos[0]', 'not a valid URL'],
      ['$.repos[1]', 'must not have a query or fragment'],
      ['$.repos[2]', 'expected a repository URL'],
      ['$.repos[3]', 'expected an http:// or https:// URL'],
    ],
  },
  {
    name: 'bad owner/name',
    text: manifest({ repos: ['acme', 'acme/api/extra', 'acme/api.git', '../api', 'acme/..', 'ac me/api', ''] }),
    problems: [
      ['$.repos[0]', 'expected OWNER/NAME or an http(s) URL, found "acme"'],
      ['$.repos[1]', 'expected OWNER/NAME'],
      ['$.repos[2]', 'without the ".git" suffix'],
      ['$.repos[3]', 'expected OWNER/NAME'],
      ['$.repos[4]', 'expected OWNER/NAME'],
      ['$.repos[5]', 'expected OWNER/NAME'],
      ['$.repos[6]', 'expected OWNER/NAME'],
    ],
  },
  {
    name: 'bad branch names',
    text: manifest({ repos: [{ repo: 'a/one', branch: 'a..b' }, { repo: 'a/two', branch: '-rf' }, { repo: 'a/three', branch: 'x.lock' }, { repo: 'a/four', branch: '' }] }),
    problems: [
      ['$.repos[0].branch', 'expected a branch name such as "main", found "a..b"'],
      ['$.repos[1].branch', 'found "-rf"'],
      ['$.repos[2].branch', 'found "x.lock"'],
      ['$.repos[3].branch', 'found ""'],
    ],
  },
  {
    name: 'bad co-authors',
    text: manifest({ coAuthors: ['Bob', 'Bob <bob>', ' <bob@example.com>', 7] }),
    problems: [
      ['$.coAuthors[0]', 'expected "Name <email@example.com>", found "Bob"'],
      ['$.coAuthors[1]', 'found "Bob <bob>"'],
      ['$.coAuthors[2]', 'expected "Name <email@example.com>"'],
      ['$.coAuthors[3]', 'expected a string, found 7'],
    ],
  },
  { name: 'message without {version}', text: manifest({ message: 'chore: pin runtime' }), problems: [['$.message', 'must contain "{version}"']] },
  { name: 'message with another placeholder', text: manifest({ message: 'chore: pin {runtime} to {version}' }), problems: [['$.message', 'whose only placeholder is {version}']] },
  { name: 'message on two lines', text: manifest({ message: 'chore: pin {version}\n\nbody' }), problems: [['$.message', 'expected one line']] },
  { name: 'concurrency too high', text: manifest({ concurrency: 65 }), problems: [['$.concurrency', 'expected an integer from 1 to 64, found 65']] },
  { name: 'concurrency as text', text: manifest({ concurrency: '8' }), problems: [['$.concurrency', 'found "8"']] },
  { name: 'concurrency fractional', text: manifest({ concurrency: 2.5 }), problems: [['$.concurrency', 'found 2.5']] },
  { name: 'empty repos', text: manifest({ repos: [] }), problems: [['$.repos', 'expected at least one repo']] },
  {
    name: 'incomplete author with an unknown key',
    text: manifest({ author: { name: 'pin<bot>', mail: 'bot@example.com' } }),
    problems: [
      ['$.author.mail', 'did you mean "email"?'],
      ['$.author.email', 'required key is missing'],
      ['$.author.name', 'expected a name without "<" or ">"'],
    ],
  },
  { name: 'author email without a domain', text: manifest({ author: { name: 'bot', email: 'bot@' } }), problems: [['$.author.email', 'expected an email address']] },
  {
    name: 'pin and require files outside the root',
    text: manifest({ pinFile: 'config/.runtime-version', requireFile: '/etc/passwd' }),
    problems: [
      ['$.pinFile', 'a file name at the repository root'],
      ['$.requireFile', 'a path inside the repository (relative'],
    ],
  },
  { name: 'require file escaping the repo', text: manifest({ requireFile: '.github/../../x' }), problems: [['$.requireFile', 'found ".github/../../x"']] },
  { name: 'files inside .git', text: manifest({ pinFile: '.git', requireFile: '.git/hooks/pre-receive' }), problems: [['$.pinFile', 'found ".git"'], ['$.requireFile', 'no "." ".." or ".git" parts']] },
  {
    name: 'a key given twice',
    text: '{ "forge": "https://forge.test", "repos": ["a/b"], "forge": "https://forge.test" }',
    problems: [['$.forge', 'key appears more than once']],
    schemaCannotTell: true,
  },
  {
    name: 'every problem at once',
    text: JSON.stringify({ forge: 'forge.test', repos: ['acme/api', 'ACME/api', { repo: 'x' }], message: 'pin', concurrency: 0, extra: true }),
    problems: [
      ['$.extra', 'unknown key'],
      ['$.forge', 'expected an http:// or https:// URL, found "forge.test"'],
      ['$.repos[1]', 'duplicate of $.repos[0]'],
      ['$.repos[2].repo', 'found "x"'],
      ['$.message', 'must contain "{version}"'],
      ['$.concurrency', 'found 0'],
    ],
  },
]
