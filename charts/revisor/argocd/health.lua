-- Argo CD health check for revisor.dev/DatabaseSchema.
-- Install as resource.customizations.health.revisor.dev_DatabaseSchema in
-- argocd-cm (see charts/revisor/README.md). Argo CD runs this body with the
-- object in `obj` and reads the returned table.
--
-- Ready            -> Healthy
-- Pending, Planning, Migrating, no status yet, or a status older than the
--   spec (observedGeneration < generation) -> Progressing
-- AwaitingApproval or spec.suspend -> Suspended (a person has to act)
-- Blocked, Failed  -> Degraded
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
