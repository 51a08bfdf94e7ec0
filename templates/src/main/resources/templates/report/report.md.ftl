<#ftl output_format="markdown">
<#-- A run's report for a change ticket, from its evidence alone (ReportModel). Every ${...} is
     escaped so that no value can change the document's structure; fence() and code() show text
     verbatim, with fences longer than any backticks inside. -->
<#macro hex value><#if value?has_content>${code(value)}<#else>none recorded</#if></#macro>
<#if !r.evidence.ok>
> **THE EVIDENCE OF THIS RUN DOES NOT VERIFY.** ${r.evidence.problem!"no reason given"}
>
> Everything below is read from evidence that was changed or damaged after it was written. Do not
> rely on it; `runbook evidence ${r.runId!"RUN"} --verify` repeats the check.

</#if>
<#if (r.identity!"") == "unsigned">
> **IDENTITIES IN THIS RUN ARE NOT SIGNED.** Its inventory says `approval.identity: unsigned`: the
> names below are what people typed after `--as`, not proven by any key.

</#if>
# Run ${r.runId!"(no run.started record)"}: ${r.runbook!"unknown runbook"}, ${r.state}

## Outcome

| Field | Value |
|---|---|
| Run | ${r.runId!"not recorded"} |
| Runbook | ${r.runbook!"not recorded"} |
| Cluster | ${r.cluster!"not recorded"} |
| Started by | ${r.startedBy!"not recorded"} |
| Identities | <#if (r.identity!"") == "signed">signed, verified against allowed signers <@hex r.allowedSignersSha256!""/><#elseif (r.identity!"") == "unsigned">**unsigned**<#else>not recorded</#if> |
| Started at | ${r.startedAt!"not recorded"} |
| State | **${r.state}** |
<#if r.endedAt??>
| Ended at | ${r.endedAt} |
</#if>
<#if r.endedBy??>
| Ended by | ${r.endedBy} |
</#if>
<#if r.message??>
| Message | ${r.message} |
</#if>
<#if r.pendingGate??>
| Waiting at | ${r.pendingGate} |
</#if>
| Inventory | ${r.inventory!"not recorded"} (SHA-256 <@hex r.inventorySha256!""/>) |
| Plan | <@hex r.planSha256!""/> |
<#if r.evidence.ok>
| Evidence | verifies: ${r.evidence.records} records, hash chain and artifact digests intact |
<#else>
| Evidence | **does not verify** (see the top) |
</#if>
| Last record hash | <@hex r.evidence.lastHash!""/> |
| Engine key | <@hex r.evidence.engineKey!""/> |

## Decisions

<#if r.decisions?has_content>
| Gate | Decision | Person | Key fingerprint | Time | Plan hash | Role | Approvals | Comment |
|---|---|---|---|---|---|---|---|---|
<#list r.decisions as d>
| ${d.gate!} (${d.activityId!}) | **${d.decision!}** | ${d.by!} | <#if d.keyFingerprint??>${code(d.keyFingerprint)} (signed, verified)<#else>unsigned</#if> | ${d.at!} | <@hex d.planSha256!""/> | ${d.role!"any"} | ${d.approvals} | ${d.comment!} |
</#list>
<#else>
None: no gate was decided.
</#if>

## Downtime

<#assign dt = r.downtime>
<#if !dt.stopped>
No downtime: the run never stopped the control plane.
<#elseif dt.to??>
Down for **${dt.duration!"?"}**: from ${dt.from} (the stop of the control plane started) to ${dt.to} (${code(dt.by!"")} ended, etcd and the API serving again).
<#else>
**Down since ${dt.from}** (the stop of the control plane started); nothing in evidence brought it back<#if dt.duration??> (${dt.duration} to the last record)</#if>.
</#if>

## Parameters

<#if r.parameters?has_content>
| Parameter | Value |
|---|---|
<#list r.parameters as p>
| ${p.key} | ${p.value} |
</#list>
<#else>
None.
</#if>

## Timeline

| Time | Step or event | Node | Duration | Status |
|---|---|---|---|---|
<#list r.timeline as e>
| ${e.at!} | ${e.name!e.kind}<#if e.activityId??> (${e.activityId})</#if><#if e.detail?has_content>: ${e.detail}</#if> | | ${e.duration!} | ${e.status!} |
<#list e.commands as c>
| ${c.sentAt!} | command ${c?counter} of ${e.activityId!} | ${c.node!} | ${c.duration!} | <#if c.exitStatus??>exit ${c.exitStatus}<#else>no result recorded</#if><#if c.failure??>, ${c.failure}</#if> |
</#list>
</#list>

## Commands

Every command as it was sent, per node.

<#assign anyCommand = false>
<#list r.timeline as e>
<#if e.commands?has_content>
<#assign anyCommand = true>
### ${e.name!e.activityId} (${e.activityId!})

<#list e.commands as c>
${c?counter}. On ${c.node!"?"} (${c.host!"?"}, host key ${c.hostKey!"not recorded"}) at ${c.sentAt!}:

${fence(c.command!"", "sh")}

</#list>
</#if>
</#list>
<#if !anyCommand>
None: the run sent no command to any node.

</#if>
## Outputs

<#list r.timeline as e>
<#if e.commands?has_content || e.outputs?has_content>
### ${e.name!e.activityId} (${e.activityId!})

<#list e.commands as c>
<#if c.stdout?? || c.stderr??>
${c?counter}. ${c.node!"?"}: <#if c.exitStatus??>exit ${c.exitStatus}<#else>no result recorded</#if><#if c.failure??>, ${c.failure}</#if>

<#if c.stdout??>
stdout<#if c.stdout.truncated> (the first ${c.stdout.text?length} of ${c.stdout.length} characters; all of it is in evidence.jsonl)</#if>:

${fence(c.stdout.text, "text")}

</#if>
<#if c.stderr??>
stderr<#if c.stderr.truncated> (the first ${c.stderr.text?length} of ${c.stderr.length} characters; all of it is in evidence.jsonl)</#if>:

${fence(c.stderr.text, "text")}

</#if>
</#if>
</#list>
<#if e.outputs?has_content>
Step outputs:

<#list e.outputs as o>
<#if o.value?contains("\n")>
- ${o.key}:

${fence(o.value, "json")}

<#else>
- ${o.key}: ${o.value}
</#if>
</#list>

</#if>
</#if>
</#list>
## Signed checkpoints

<#if r.evidence.checkpoints?has_content>
| Record | Records covered | Head | Signed by | Verified |
|---|---|---|---|---|
<#list r.evidence.checkpoints as c>
| ${c.seq} | ${c.records} | <@hex c.head!""/> | engine key <@hex c.engineKey!""/><#if c.by??> and ${c.by}</#if> | <#if c.verified>yes<#else>**NO**</#if> |
</#list>
<#else>
None: nothing signed vouches for this evidence's length.
</#if>

## Artifacts

<#if r.artifacts?has_content>
| Artifact | Path | Size (bytes) | SHA-256 | Step |
|---|---|---|---|---|
<#list r.artifacts as a>
| ${a.name!} | ${a.path!} | ${a.size} | <@hex a.sha256!""/> | ${a.activityId!} |
</#list>
<#else>
None.
</#if>

## Changes (manifest diffs)

<#if r.diffs?has_content>
<#list r.diffs as d>
### ${d.title}

From ${d.source}:

${fence(d.text, "diff")}

</#list>
<#else>
None recorded.

</#if>
## Snapshots and files

<#if r.files?has_content>
<#list r.files as f>
### ${f.title!f.activityId} (${f.activityId!})

| Field | Value |
|---|---|
<#list f.entries as e>
| ${e.key} | ${e.value} |
</#list>

</#list>
<#else>
None: no step reported a file with its SHA-256.

</#if>
## Diagram

The runbook's diagram with the path this run took is in the HTML report:
`runbook report ${r.runId!"RUN"} --format html`.
