// The builder studio (platform developers and admins): its own chunk, loaded when a studio
// page is first opened, so workspace users never download it.
import { Route, Routes } from "react-router";
import "./studio.css";
import { StudioHome } from "./StudioHome";
import { FormBuilder } from "./forms/FormBuilder";
import { FlowDesigner } from "./flows/FlowDesigner";
import { TriggerBuilder } from "./triggers/TriggerBuilder";
import { TableDesigner } from "./tables/TableDesigner";
import { TemplateEditor } from "./templates/TemplateEditor";
import { IntegrationEditor } from "./integrations/IntegrationEditor";
import { WorkflowEditor } from "./integrations/WorkflowEditor";
import { NotFoundPage } from "../shell/NotFoundPage";

export default function StudioApp() {
  return (
    <Routes>
      <Route index element={<StudioHome />} />
      <Route path=":section" element={<StudioHome />} />
      <Route path="forms/new" element={<FormBuilder />} />
      <Route path="forms/:id" element={<FormBuilder />} />
      <Route path="flows/new" element={<FlowDesigner />} />
      <Route path="flows/:id" element={<FlowDesigner />} />
      <Route path="triggers/new" element={<TriggerBuilder />} />
      <Route path="triggers/:id" element={<TriggerBuilder />} />
      <Route path="tables/new" element={<TableDesigner />} />
      <Route path="tables/:id" element={<TableDesigner />} />
      <Route path="templates/new" element={<TemplateEditor />} />
      <Route path="templates/:id" element={<TemplateEditor />} />
      <Route path="integrations/new" element={<IntegrationEditor />} />
      <Route path="integrations/:id" element={<IntegrationEditor />} />
      <Route path="integrations/:id/workflows/new" element={<WorkflowEditor />} />
      <Route path="integrations/:id/workflows/:wid" element={<WorkflowEditor />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
