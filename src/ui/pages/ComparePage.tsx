import { useEffect } from 'react';
import { CompareForm } from '../compare/CompareForm.js';
import { ComparisonPanel } from '../compare/ComparisonPanel.js';
import { useCompareStore } from '../compare/compare-store.js';
import { usePackStore } from '../pack-store.js';

/** DDIM and IV-mixed from one prompt, one seed and the same initial noise, played side by side. */
export function ComparePage() {
  const pack = usePackStore((s) => s.summary?.pack);
  const applyPackDefaults = useCompareStore((s) => s.applyPackDefaults);
  useEffect(() => {
    if (pack) applyPackDefaults(pack);
  }, [pack, applyPackDefaults]);

  return (
    <div className="compare-page">
      <CompareForm />
      <ComparisonPanel
        origin="compare"
        placeholder="Both videos will appear here, side by side. Type a prompt and press Run comparison."
      />
    </div>
  );
}
