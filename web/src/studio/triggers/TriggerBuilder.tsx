export function TriggerBuilder() { return <p>Coming</p>; }
