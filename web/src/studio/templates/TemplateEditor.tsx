export function TemplateEditor() { return <p>Coming</p>; }
