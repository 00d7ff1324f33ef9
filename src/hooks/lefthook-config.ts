/**
 * pinbot's check as a lefthook command. lefthook owns `.git/hooks/pre-commit` (its
 * `install` renames any other hook to `pre-commit.old`, which it never runs), so the
 * check that survives it lives in lefthook's own configuration: one command, between
 * marker comments, added to the `pre-commit` hook of lefthook.yml (a file the team
 * commits). The YAML is edited as text, only in the plain block layouts lefthook's docs
 * use; anything else is refused with the snippet to add by hand.
 */
import { lstat } from 'node:fs/promises'
import path from 'node:path'
import { PinbotError } from '../errors.js'
import { BLOCK_BEGIN, BLOCK_END, CHECK_SCRIPT } from './pre-commit-hook.js'

/** The file names lefthook 2 reads its configuration from, YAML first. */
const YAML_CONFIGS = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml', '.config/lefthook.yml', '.config/lefthook.yaml']
const OTHER_CONFIGS = ['lefthook.toml', '.lefthook.toml', 'lefthook.json', '.lefthook.json', 'lefthook.jsonc', '.lefthook.jsonc']

export const LEFTHOOK_COMMAND = 'pinbot-runtime-version'

/** lefthook's configuration file in the work tree at `root`, if it has one. */
export async function findLefthookConfig(root: string): Promise<string | undefined> {
  for (const name of [...YAML_CONFIGS, ...OTHER_CONFIGS]) {
    const file = path.join(root, name)
    if (await lstat(file).then((info) => info.isFile(), () => false)) return file
  }
  return undefined
}

const indentOf = (line: string) => line.length - line.trimStart().length
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#')

/** The check as a lefthook command (or `jobs` list item) at `indent`. */
function commandLines(indent: string, form: 'commands' | 'jobs'): string[] {
  const head = form === 'commands' ? [`${indent}${LEFTHOOK_COMMAND}:`, `${indent}  run: |`] : [`${indent}- name: ${LEFTHOOK_COMMAND}`, `${indent}  run: |`]
  return [...head, ...CHECK_SCRIPT.trimEnd().split('\n').map((line) => (line ? `${indent}    ${line}` : ''))]
}

/** `lines` between pinbot's marker comments at `indent`, so uninstall finds exactly them. */
const marked = (indent: string, lines: string[]) => [`${indent}${BLOCK_BEGIN}`, ...lines, `${indent}${BLOCK_END}`]

/** What to add by hand when the layout is not one pinbot edits. */
export function lefthookSnippet(): string {
  return ['pre-commit:', '  commands:', ...commandLines('    ', 'commands')].join('\n')
}

function unsupported(file: string, why: string): PinbotError {
  return new PinbotError('lefthook-config-unsupported', `cannot add pinbot's check to ${file}: ${why}; nothing was changed`, {
    hint: `add this to the pre-commit hook of ${path.basename(file)} by hand:\n${lefthookSnippet()}`,
  })
}

/** `text` with pinbot's command added (or replaced by the current one); throws when the layout is not a plain block one. */
export function withLefthookCommand(text: string, file: string): string {
  if (!/\.ya?ml$/.test(file)) throw unsupported(file, 'pinbot edits YAML configurations only')
  const without = withoutLefthookCommand(text) ?? text
  const lines = without.replace(/\n$/, '').split('\n')
  const hookAt = lines.findIndex((line) => /^pre-commit\s*:/.test(line))
  if (hookAt < 0) {
    const section = marked('', ['pre-commit:', '  commands:', ...commandLines('    ', 'commands')])
    return `${without}${without === '' || without.endsWith('\n') ? '' : '\n'}${section.join('\n')}\n`
  }
  if (!/^pre-commit\s*:\s*(#.*)?$/.test(lines[hookAt])) throw unsupported(file, 'its pre-commit hook is not a block mapping')
  let end = hookAt + 1
  while (end < lines.length && (!isContent(lines[end]) || indentOf(lines[end]) > 0)) end++
  const children = lines.slice(hookAt + 1, end).filter(isContent)
  const childIndent = children.length ? ' '.repeat(indentOf(children[0])) : '  '
  const at = (key: string) => lines.findIndex((line, i) => i > hookAt && i < end && line.startsWith(`${childIndent}${key}:`) && indentOf(line) === childIndent.length)
  for (const form of ['commands', 'jobs'] as const) {
    const keyAt = at(form)
    if (keyAt < 0) continue
    if (!new RegExp(`^\\s*${form}\\s*:\\s*(#.*)?$`).test(lines[keyAt])) throw unsupported(file, `its pre-commit ${form} are not a block ${form === 'jobs' ? 'list' : 'mapping'}`)
    const next = lines.slice(keyAt + 1, end).find(isContent)
    const entryIndent = next && indentOf(next) > childIndent.length ? ' '.repeat(indentOf(next)) : `${childIndent}  `
    lines.splice(keyAt + 1, 0, ...marked(entryIndent, commandLines(entryIndent, form)))
    return `${lines.join('\n')}\n`
  }
  lines.splice(hookAt + 1, 0, ...marked(childIndent, [`${childIndent}commands:`, ...commandLines(`${childIndent}  `, 'commands')]))
  return `${lines.join('\n')}\n`
}

/** `text` without pinbot's command; undefined if it has none. */
export function withoutLefthookCommand(text: string): string | undefined {
  const lines = text.split('\n')
  const begin = lines.findIndex((line) => line.trim() === BLOCK_BEGIN)
  const end = lines.findIndex((line, i) => i > begin && line.trim() === BLOCK_END)
  if (begin < 0 || end < 0) return undefined
  lines.splice(begin, end - begin + 1)
  return lines.join('\n')
}
