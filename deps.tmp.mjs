import ts from 'typescript';
import fs from 'node:fs'; import path from 'node:path';
const root = path.resolve(process.argv[2]);
const files = [];
(function walk(d){ for (const e of fs.readdirSync(d,{withFileTypes:true})) { const p=path.join(d,e.name); if(e.isDirectory()) walk(p); else if(/\.tsx?$/.test(e.name)&&!e.name.endsWith('.d.ts')) files.push(p);} })(path.join(root,'src/main'));
const eng = path.join(root,'src/main/engine');
function folder(f){ const r=path.relative(path.join(root,'src/main'),f).split(path.sep); if(r[0]==='engine') return r.length===2? 'engine/'+r[1] : 'engine/'+r[1]; return r[0]; }
const edges = new Map();
for (const f of files) {
  const sf = ts.createSourceFile(f, fs.readFileSync(f,'utf8'), ts.ScriptTarget.Latest, true);
  const info = ts.preProcessFile(sf.text, true, true);
  for (const imp of info.importedFiles) {
    const s = imp.fileName; if(!s.startsWith('.')) continue;
    const t = path.resolve(path.dirname(f), s);
    if (!t.startsWith(path.join(root,'src/main'))) continue;
    const a=folder(f), b=folder(t); if(a===b) continue;
    const k=a+' -> '+b; if(!edges.has(k)) edges.set(k,[]); edges.get(k).push(path.relative(root,f)+' : '+s);
  }
}
for (const [k,v] of [...edges].sort()) console.log(k, v.length, process.argv[3]? '\n   '+v.join('\n   '):'');
