import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";

import { useSession } from "./auth/session";
import { AppLayout } from "./components/AppLayout";
import { FullPageLoader } from "./components/States";
import { useAgencyAccount } from "./screens/portal/agencyAccount";
import { StaffOnly } from "./screens/portal/PortalChrome";

// Route-level code splitting: each screen is its own chunk.
const SignIn = lazy(() => import("./screens/SignIn"));
const ForgotPassword = lazy(() => import("./screens/ForgotPassword"));
const ResetPassword = lazy(() => import("./screens/ResetPassword"));
const ChangePassword = lazy(() => import("./screens/ChangePassword"));
const Home = lazy(() => import("./screens/Home"));
const BookingsList = lazy(() => import("./screens/BookingsList"));
const BookingDetail = lazy(() => import("./screens/BookingDetail"));
const BookingNew = lazy(() => import("./screens/BookingNew"));
const AlertsList = lazy(() => import("./screens/AlertsList"));
const Calendar = lazy(() => import("./screens/Calendar"));
const AlertDetail = lazy(() => import("./screens/alerts/AlertDetail"));
const TwoFactorEnrollment = lazy(() => import("./screens/TwoFactorEnrollment"));
const NotFound = lazy(() => import("./screens/NotFound"));
const AgenciesList = lazy(() => import("./screens/allotments/AgenciesList"));
const ContractsList = lazy(() => import("./screens/allotments/ContractsList"));
const ContractNew = lazy(() => import("./screens/allotments/ContractNew"));
const ContractDetail = lazy(() => import("./screens/allotments/ContractDetail"));
const AllotmentCalendar = lazy(() => import("./screens/allotments/AllotmentCalendar"));
const SaleOrdersList = lazy(() => import("./screens/allotments/SaleOrdersList"));
const PickUpReport = lazy(() => import("./screens/hardblocks/pickup/PickUpReport"));
const RoomingList = lazy(() => import("./screens/hardblocks/pickup/RoomingList"));
const PropertiesList = lazy(() => import("./screens/setup/PropertiesList"));
const PropertyDetail = lazy(() => import("./screens/setup/PropertyDetail"));
const Settings = lazy(() => import("./screens/setup/Settings"));
const ApiDocs = lazy(() => import("./screens/setup/ApiDocs"));
const HardblocksList = lazy(() => import("./screens/hardblocks/HardblocksList"));
const HardblockNew = lazy(() => import("./screens/hardblocks/HardblockNew"));
const HardblockDetail = lazy(() => import("./screens/hardblocks/HardblockDetail"));
const SuppliersList = lazy(() => import("./screens/suppliers/SuppliersList"));
const AgencyAccess = lazy(() => import("./screens/portal/AgencyAccess"));
const OtaAccounts = lazy(() => import("./screens/channels/OtaAccounts"));
const ConnectWizard = lazy(() => import("./screens/channels/ConnectWizard"));
const Connections = lazy(() => import("./screens/channels/Connections"));
const ConnectionDetail = lazy(() => import("./screens/channels/ConnectionDetail"));
const SyncLog = lazy(() => import("./screens/channels/SyncLog"));
const TeamUsers = lazy(() => import("./screens/team/Users"));
const TeamRoles = lazy(() => import("./screens/team/Roles"));
const TeamWorkflow = lazy(() => import("./screens/team/Workflow"));
const Audit = lazy(() => import("./screens/audit/Audit"));

function RequireSession({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <FullPageLoader />;
  if (me === null) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <>{children}</>;
}

/** Home for those who may see the dashboard's figures; the bookings list for the others; an
 * agency's account lands on its contracts (the agency's portal). */
function Landing() {
  const { can } = useSession();
  const agency = useAgencyAccount();
  if (agency) return <Navigate to="/contracts" replace />;
  return can("DASHBOARD_VIEW") ? <Home /> : <Navigate to="/bookings" replace />;
}

export default function App() {
  return (
    <Suspense fallback={<FullPageLoader />}>
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/forgot-password" element={<ForgotPassword />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route
          element={
            <RequireSession>
              <AppLayout />
            </RequireSession>
          }
        >
          <Route index element={<Landing />} />
          {/* Screens of staff-only routes: an agency's account is told they are not for it. */}
          <Route element={<StaffOnly />}>
            <Route path="/bookings" element={<BookingsList />} />
            <Route path="/bookings/new" element={<BookingNew />} />
            <Route path="/bookings/:bookingId" element={<BookingDetail />} />
            <Route path="/alerts" element={<AlertsList />} />
            <Route path="/calendar" element={<Calendar />} />
            <Route path="/alerts/:alertId" element={<AlertDetail />} />
            <Route path="/contracts/new" element={<ContractNew />} />
            <Route path="/allotments" element={<AllotmentCalendar />} />
            <Route path="/hardblock-pick-up" element={<PickUpReport />} />
            <Route path="/hardblock-rooming-list" element={<RoomingList />} />
            <Route path="/properties" element={<PropertiesList />} />
            <Route path="/properties/:propertyId" element={<PropertyDetail />} />
            <Route path="/settings" element={<Settings />} />
            <Route path="/ota-accounts" element={<OtaAccounts />} />
            <Route path="/ota-accounts/connect" element={<ConnectWizard />} />
            <Route path="/connections" element={<Connections />} />
            <Route path="/connections/:connectionId" element={<ConnectionDetail />} />
            <Route path="/properties/:propertyId/sync-log" element={<SyncLog />} />
            <Route path="/hardblocks" element={<HardblocksList />} />
            <Route path="/hardblocks/new" element={<HardblockNew />} />
            <Route path="/hardblocks/:blockId" element={<HardblockDetail />} />
            <Route path="/suppliers" element={<SuppliersList />} />
            <Route path="/team/users" element={<TeamUsers />} />
            <Route path="/team/roles" element={<TeamRoles />} />
            <Route path="/team/workflow" element={<TeamWorkflow />} />
            <Route path="/audit" element={<Audit />} />
          </Route>
          <Route path="/account/two-factor" element={<TwoFactorEnrollment />} />
          <Route path="/agencies" element={<AgenciesList />} />
          <Route path="/agency" element={<AgencyAccess />} />
          <Route path="/contracts" element={<ContractsList />} />
          <Route path="/contracts/:contractId" element={<ContractDetail />} />
          <Route path="/sale-orders" element={<SaleOrdersList />} />
          <Route path="/account/password" element={<ChangePassword />} />
          <Route path="/api-reference" element={<ApiDocs />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
