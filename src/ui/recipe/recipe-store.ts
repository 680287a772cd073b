import { create } from 'zustand';

/** The outcome of the last recipe loaded into the Studio form, shown next to the "Load recipe" control. */
export type RecipeNotice = { kind: 'loaded'; text: string; warning: string | null } | { kind: 'error'; text: string };

interface RecipeState {
  notice: RecipeNotice | null;
  setNotice(notice: RecipeNotice | null): void;
}

export const useRecipeStore = create<RecipeState>((set) => ({
  notice: null,
  setNotice: (notice) => set({ notice }),
}));
