/** Read what a command left for the Actions runner, as the runner reads it. */

/** Parse a $GITHUB_OUTPUT file (`name=value` and `name<<DELIMITER` forms). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      outputs[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1)
    }
  }
  return outputs
}

/** The `::error` workflow commands in a log, with their properties and message unescaped. */
export function parseAnnotations(log: string): Array<{ properties: Record<string, string>; message: string }> {
  const unescape = (text: string) => text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')
  return log
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) => {
      const match = /^::error(?: ([^:]*))?::(.*)$/.exec(line)!
      const properties = Object.fromEntries((match[1] ?? '').split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), unescape(pair.slice(pair.indexOf('=') + 1))]))
      return { properties, message: unescape(match[2]) }
    })
}
