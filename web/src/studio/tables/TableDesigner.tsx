export function TableDesigner() { return <p>Coming</p>; }
