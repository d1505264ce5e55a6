export function FlowDesigner() { return <p>Coming</p>; }
