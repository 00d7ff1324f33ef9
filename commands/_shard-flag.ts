/** `--shard K/N`, shared by the commands that work on a manifest's fleet (cascade, verify-pins). */
import * as Flags from '@oclif/core/flags'
import { parseShard, WHOLE_FLEET, type Shard } from '../src/fleet/shard.js'

export const shardFlags = {
  shard: Flags.string({
    helpValue: 'K/N',
    description: 'only shard K of N, for a CI matrix of N jobs: each repo is in exactly one shard, by a hash of its name (merge the --json reports with `report merge`)',
  }),
}

/** The shard asked for (exit 2 on a bad value, before any request); the whole fleet without the flag. */
export function shardSetting(flags: { shard?: string }): Shard {
  return flags.shard === undefined ? WHOLE_FLEET : parseShard(flags.shard)
}
