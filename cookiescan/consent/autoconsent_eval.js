(code) => { try { return !!(0, eval)(code); } catch (e) { return false; } }
