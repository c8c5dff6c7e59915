import { describe, expect, it } from "vitest";

import { supplierBody, supplierValues } from "./supplierValues";

describe("the supplier body", () => {
  it("sends a typed account number, never the masked one", () => {
    const values = { ...supplierValues(null, "VN"), name: " Binh An Holdings ", bank_account_number: " 0071 0012 3456 7890 " };
    const body = supplierBody(values, false);
    expect(body.name).toBe("Binh An Holdings");
    expect(body.country_code).toBe("VN");
    expect(body.bank_account_number).toBe("0071 0012 3456 7890");
    expect("email" in body).toBe(false);
  });

  it("keeps the stored number when the field is left empty, removes it when asked", () => {
    const values = supplierValues(null, "VN");
    expect("bank_account_number" in supplierBody(values, true)).toBe(false);
    expect(supplierBody({ ...values, remove_account: true }, true).bank_account_number).toBeNull();
    expect("email" in supplierBody({ ...values, email: " " }, true)).toBe(false);
    expect(supplierBody({ ...values, email: " an@example.com " }, true).email).toBe("an@example.com");
  });
});
