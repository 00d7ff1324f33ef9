/**
 * From per-repo audits to the fleet's verdict: each repo's status against the expected
 * version (given, or else the highest valid version found in the fleet), the counts,
 * and whether the audit passed. Pure.
 */
import type { RepoAudit, SignatureStatus } from './audit.js'
import { compareVersions } from '../contract/runtime-version.js'

export type AuditStatus = 'ok' | 'behind' | 'ahead' | 'missing' | 'invalid' | 'not-consumed' | 'skipped' | 'failed'

export interface AuditResult extends RepoAudit {
  status: AuditStatus
}

export interface FleetAudit {
  /** The version every repo is compared with; null when no repo has a valid pin. */
  expected: string | null
  /** Where `expected` came from: --expect, or the highest version in the fleet. */
  expectedFrom: 'expect' | 'fleet'
  results: AuditResult[]
  counts: Record<AuditStatus | 'total', number> & { signatures?: Partial<Record<SignatureStatus, number>> }
  /** Every repo ok (or skipped), and signed by the bot when signatures were checked. */
  passed: boolean
}

const STATUSES: AuditStatus[] = ['ok', 'behind', 'ahead', 'missing', 'invalid', 'not-consumed', 'skipped', 'failed']

function highest(versions: string[]): string | null {
  return versions.reduce<string | null>((best, v) => (best === null || compareVersions(v, best) > 0 ? v : best), null)
}

function statusOf(audit: RepoAudit, expected: string | null): AuditStatus {
  if (audit.error) return 'failed'
  if (audit.skipped) return 'skipped'
  // Whatever the pin says, a build that does not read it rebuilds with the old version.
  if (audit.consumer && !audit.consumer.reads) return 'not-consumed'
  if (audit.pin === 'missing') return 'missing'
  if (audit.pin === 'invalid' || !audit.version) return 'invalid'
  const order = expected === null ? 0 : compareVersions(audit.version, expected)
  return order < 0 ? 'behind' : order > 0 ? 'ahead' : 'ok'
}

export function summarizeFleet(audits: RepoAudit[], options: { expect?: string; signaturesChecked: boolean }): FleetAudit {
  const expected = options.expect ?? highest(audits.flatMap((a) => (a.version && !a.error && !a.skipped ? [a.version] : [])))
  const results = audits.map((a) => ({ ...a, status: statusOf(a, expected) }))
  const counts: FleetAudit['counts'] = { total: results.length, ...Object.fromEntries(STATUSES.map((s) => [s, 0])) } as FleetAudit['counts']
  for (const r of results) counts[r.status] += 1
  if (options.signaturesChecked) {
    const signatures: Partial<Record<SignatureStatus, number>> = {}
    for (const r of results) if (r.signature) signatures[r.signature] = (signatures[r.signature] ?? 0) + 1
    counts.signatures = signatures
  }
  const passed = results.every((r) => r.status === 'skipped' || (r.status === 'ok' && (!options.signaturesChecked || r.signature === 'signed-by-bot')))
  return { expected, expectedFrom: options.expect ? 'expect' : 'fleet', results, counts, passed }
}
