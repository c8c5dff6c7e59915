// The supplier form's values and the API bodies made from them. A bank account number is never
// shown back (the API gives it masked): empty keeps the stored one, "remove" clears it.

import type { Schemas } from "../../api/client";

type Supplier = Schemas["SupplierOut"];

export function supplierValues(supplier: Supplier | null, country: string | null | undefined) {
  return {
    name: supplier?.name ?? "",
    country_code: supplier?.country_code ?? country ?? "",
    contact_name: supplier?.contact_name ?? "",
    email: supplier?.email ?? "",
    phone: supplier?.phone ?? "",
    address: supplier?.address ?? "",
    bank_name: supplier?.bank_name ?? "",
    bank_account_holder: supplier?.bank_account_holder ?? "",
    bank_swift: supplier?.bank_swift ?? "",
    bank_account_number: "",
    remove_account: false,
    notes: supplier?.notes ?? "",
    is_active: supplier?.is_active ?? true,
  };
}

export type SupplierValues = ReturnType<typeof supplierValues>;

/** POST /suppliers or PATCH /suppliers/{id}: the account number only when typed (or null to remove it). */
export function supplierBody(values: SupplierValues, editing: boolean) {
  const body: Record<string, unknown> = {
    name: values.name.trim(),
    country_code: values.country_code.trim().toUpperCase(),
    contact_name: values.contact_name.trim(),
    phone: values.phone.trim(),
    address: values.address.trim(),
    bank_name: values.bank_name.trim(),
    bank_account_holder: values.bank_account_holder.trim(),
    bank_swift: values.bank_swift.trim().toUpperCase(),
    notes: values.notes,
    is_active: values.is_active,
  };
  // The API takes an address or no field at all (an empty one is not an address).
  const email = values.email.trim();
  if (email) body.email = email;
  const account = values.bank_account_number.trim();
  if (values.remove_account && editing) body.bank_account_number = null;
  else if (account) body.bank_account_number = account;
  return body as Schemas["SupplierCreate"];
}
