-- Argo CD health check for revisor.dev/DatabaseSchema and
-- revisor.dev/DatabaseSchemaSet. Install the same body as both
-- resource.customizations.health.revisor.dev_DatabaseSchema and
-- resource.customizations.health.revisor.dev_DatabaseSchemaSet in argocd-cm
-- (see charts/revisor/argocd/README.md). Argo CD runs this body with the
-- object in `obj` and reads the returned table.
--
-- DatabaseSchema:
-- Ready            -> Healthy
-- Pending, Planning, Migrating, no status yet, or a status older than the
--   spec (observedGeneration < generation) -> Progressing
-- AwaitingApproval or spec.suspend -> Suspended (a person has to act)
-- Blocked, Failed  -> Degraded
--
-- DatabaseSchemaSet:
-- Ready            -> Healthy (every database Ready at the set's target)
-- Progressing, no status yet or an older generation -> Progressing ("3/10")
-- Halted, Blocked  -> Degraded (with the failed databases)
local hs = {}
local status = obj.status
local generation = obj.metadata and obj.metadata.generation
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true"
  return hs
end
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Revisor operator"
  return hs
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
if obj.kind == "DatabaseSchemaSet" then
  if status.phase == "Ready" then
    hs.status = "Healthy"
  elseif status.phase == "Halted" or status.phase == "Blocked" then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  hs.message = status.phase .. " " .. (status.summary or "") .. ": " .. (status.message or "")
  return hs
end
local phase = status.phase
local message = status.message or phase
if phase == "Ready" then
  hs.status = "Healthy"
elseif phase == "AwaitingApproval" then
  hs.status = "Suspended"
  if status.plan ~= nil and status.plan.hash ~= nil then
    message = "Plan awaits approval: annotate revisor.dev/approved-plan=" .. status.plan.hash
    -- Name the lint findings the policy held the plan for.
    local codes = {}
    for _, step in ipairs(status.plan.steps or {}) do
      for _, f in ipairs(step.findings or {}) do
        table.insert(codes, f.code .. " in " .. step.revision .. " (" .. (f.statement or "") .. ")")
      end
    end
    if #codes > 0 then
      message = message .. "; findings: " .. table.concat(codes, "; ")
    end
  end
elseif phase == "Blocked" or phase == "Failed" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
  if status.progress ~= nil and status.progress.summary ~= nil then
    message = phase .. " " .. status.progress.summary .. ": " .. message
  end
end
hs.message = message
return hs
