// Experiments only: summarizes a V8 .cpuprofile (self and total ms per function). Usage: node profile-summary.cjs file.cpuprofile [selfRows] [totalRows]
const fs=require("fs");const path=process.argv[2];const p=JSON.parse(fs.readFileSync(path));
const byId=new Map(p.nodes.map(n=>[n.id,n]));const parent=new Map();for(const n of p.nodes)for(const c of n.children||[])parent.set(c,n.id);
const dt=p.timeDeltas;const self=new Map();const total=new Map();let all=0;
p.samples.forEach((s,i)=>{const t=dt[i]||0;all+=t;const n=byId.get(s);const k=key(n);self.set(k,(self.get(k)||0)+t);
 const seen=new Set();let id=s;while(id!==undefined){const kk=key(byId.get(id));if(!seen.has(kk)){seen.add(kk);total.set(kk,(total.get(kk)||0)+t);}id=parent.get(id);}});
function key(n){return n.callFrame.functionName+" "+n.callFrame.url.split("/").slice(-2).join("/")+":"+n.callFrame.lineNumber}
const idle=[...self].filter(([k])=>k.startsWith("(idle)")).reduce((a,[,t])=>a+t,0);
console.log("total ms",(all/1000).toFixed(0),"busy ms",((all-idle)/1000).toFixed(0));
console.log("--- self");[...self].sort((a,b)=>b[1]-a[1]).slice(0,+process.argv[3]||25).forEach(([k,t])=>console.log((t/1000).toFixed(0).padStart(7),k));
console.log("--- total");[...total].sort((a,b)=>b[1]-a[1]).slice(0,+process.argv[4]||40).forEach(([k,t])=>console.log((t/1000).toFixed(0).padStart(7),k));
