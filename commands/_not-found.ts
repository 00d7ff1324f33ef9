/**
 * oclif's `command_not_found` hook: a mistyped command is bad input (exit 2, nothing run),
 * and the nearest command is suggested wherever the output goes, CI logs included (the
 * plugin-not-found package only offers it as a prompt on a terminal, and exits 127).
 */
import type { Hook } from '@oclif/core/hooks'
import { distance } from 'fastest-levenshtein'
import { serverText } from '../src/git/server-text.js'

/** The visible commands (and aliases) as a user types them: `key generate`, not `key:generate`. */
function typedIds(config: Parameters<Hook.CommandNotFound>[0]['config']): string[] {
  const visible = config.commands.filter((command) => !command.hidden)
  return [...visible.map((command) => command.id), ...visible.flatMap((command) => command.aliases)].map((id) => id.replaceAll(':', ' '))
}

/** The nearest id, if it is near enough to be what was meant (a third of the letters wrong at most). */
function nearest(typed: string, ids: readonly string[]): string | undefined {
  let best: { id: string; cost: number } | undefined
  for (const id of ids) {
    const cost = distance(typed, id)
    if (!best || cost < best.cost) best = { id, cost }
  }
  return best && best.cost <= Math.max(2, Math.floor(typed.length / 3)) ? best.id : undefined
}

const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(':', ' ')
  const suggestion = nearest(typed, typedIds(options.config))
  // What was typed is shown as text, whatever it holds (escape sequences included).
  const shown = serverText(typed, 80)
  process.stderr.write(`Error: "${shown}" is not a ${options.config.bin} command.${suggestion ? ` Did you mean "${suggestion}"?` : ''}\n`)
  process.stderr.write(`Hint: run ${options.config.bin} help for the list of commands${suggestion ? `, or ${options.config.bin} ${suggestion} --help` : ''}\n`)
  this.exit(2)
}

export default hook
