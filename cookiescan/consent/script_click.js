(e) => e.click()
